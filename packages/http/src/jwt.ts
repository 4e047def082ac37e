import { AppError, type Principal, unavailable } from '@employment/core';
import { createRemoteJWKSet, type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';

export interface JwtVerifierOptions {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** The longest validity (`exp` − `iat`) accepted, in seconds. */
  maxLifetimeSeconds: number;
  /** Clock skew tolerated for `exp`, `nbf` and `iat`, in seconds. */
  clockToleranceSeconds: number;
}

/**
 * Claims the platform reads: the client, the subject acting for it, its roles and its areas.
 * Roles come from `roles` only (a list); `scope`, which OAuth servers fill with their own words,
 * grants nothing.
 */
export interface PlatformClaims extends JWTPayload {
  client_id?: string;
  azp?: string;
  roles?: unknown;
  area?: string[] | string;
}

const AREA_PATTERN = /^(\*|\d{2}|\d{4}|\d{6}|\d{9}|\d{12})$/;

const invalidToken = (detail: string) =>
  new AppError('unauthenticated', detail, {
    headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
  });

export function principalFromClaims(claims: PlatformClaims): Principal {
  const clientId = claims.client_id ?? claims.azp ?? claims.sub;
  if (!clientId) throw new AppError('unauthenticated', 'the token names no client');
  if (
    claims.roles !== undefined &&
    !(Array.isArray(claims.roles) && claims.roles.every((r) => typeof r === 'string'))
  ) {
    throw invalidToken('the token\'s "roles" claim must be a list of strings');
  }
  const roles = new Set<string>((claims.roles as string[] | undefined) ?? []);
  const areas = (Array.isArray(claims.area) ? claims.area : claims.area ? [claims.area] : []).filter((a) =>
    AREA_PATTERN.test(a),
  );
  if (areas.length === 0) throw new AppError('forbidden', 'the token grants no area scope');
  // The person (or system) acting: a reviewer for a district system, or the client itself.
  return { clientId, subject: claims.sub ?? clientId, roles, areas };
}

/** Tokens verified lately, so a client's next request skips the signature check. */
const VERIFIED_CACHE_SIZE = 10_000;
/** A verified token is checked again after this long, even if it is valid for longer. */
const VERIFIED_CACHE_MS = 60_000;

/** Why a token was refused, in words a client's developer can act on. */
function refusal(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    return err.reason === 'missing'
      ? `the token has no "${err.claim}" claim`
      : `the token's "${err.claim}" claim is not accepted`;
  }
  return err instanceof joseErrors.JOSEError
    ? `the token is not valid (${err.code})`
    : 'the token could not be verified';
}

/**
 * Verifies bearer tokens against the identity provider's JWKS (fetched and cached by kid): the
 * signature, issuer and audience, an expiry (`exp`) and an issue time (`iat`) no further apart
 * than the lifetime cap, both within the clock tolerance. A district system sends the same token
 * with every request until it expires: a token verified in the last minute is taken from memory
 * (until its own expiry), which spares a signature check per request.
 */
export function createJwtVerifier(
  options: JwtVerifierOptions,
  clock: () => number = Date.now,
): (token: string) => Promise<Principal> {
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl), {
    cooldownDuration: 30_000,
    cacheMaxAge: 600_000,
  });
  const tolerance = options.clockToleranceSeconds;
  const verified = new Map<string, { principal: Principal; until: number }>();
  return async (token) => {
    const hit = verified.get(token);
    if (hit && hit.until > clock()) return hit.principal;
    if (hit) verified.delete(token);
    let payload: PlatformClaims;
    try {
      ({ payload } = await jwtVerify<PlatformClaims>(token, jwks, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ['ES256', 'RS256', 'EdDSA'],
        requiredClaims: ['exp', 'iat'],
        clockTolerance: tolerance,
        currentDate: new Date(clock()),
      }));
    } catch (err) {
      if (!(err instanceof joseErrors.JOSEError)) {
        throw unavailable('the identity provider cannot be reached', err);
      }
      throw invalidToken(refusal(err));
    }
    const exp = payload.exp!;
    const iat = payload.iat!;
    if (iat > clock() / 1000 + tolerance) throw invalidToken('the token\'s "iat" claim is in the future');
    // Bounded by the lifetime it was given, not by how long it has left: a token of ten years is
    // refused now, not accepted in its last hour.
    if (exp - iat > options.maxLifetimeSeconds) {
      throw invalidToken(
        `the token is valid for ${exp - iat} s; at most ${options.maxLifetimeSeconds} s are accepted`,
      );
    }
    const principal = principalFromClaims(payload);
    if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
    verified.set(token, {
      principal,
      until: Math.min(clock() + VERIFIED_CACHE_MS, (exp + tolerance) * 1000),
    });
    return principal;
  };
}

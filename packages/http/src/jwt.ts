import { AppError, type Principal, unavailable } from '@employment/core';
import { createRemoteJWKSet, type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';

export interface JwtVerifierOptions {
  jwksUrl: string;
  issuer: string;
  audience: string;
}

/** Claims the platform reads: the client, its roles, and the areas it may see. */
export interface PlatformClaims extends JWTPayload {
  client_id?: string;
  azp?: string;
  roles?: string[] | string;
  scope?: string;
  area?: string[] | string;
}

const AREA_PATTERN = /^(\*|\d{2}|\d{4}|\d{6}|\d{9}|\d{12})$/;

export function principalFromClaims(claims: PlatformClaims): Principal {
  const clientId = claims.client_id ?? claims.azp ?? claims.sub;
  if (!clientId) throw new AppError('unauthenticated', 'the token names no client');
  const roles = new Set<string>([
    ...(Array.isArray(claims.roles) ? claims.roles : claims.roles ? claims.roles.split(' ') : []),
    ...(claims.scope ? claims.scope.split(' ') : []),
  ]);
  const areas = (Array.isArray(claims.area) ? claims.area : claims.area ? [claims.area] : []).filter((a) =>
    AREA_PATTERN.test(a),
  );
  if (areas.length === 0) throw new AppError('forbidden', 'the token grants no area scope');
  return { clientId, roles, areas };
}

/** Tokens verified lately, so a client's next request skips the signature check. */
const VERIFIED_CACHE_SIZE = 10_000;
/** A verified token is checked again after this long, even if it is valid for longer. */
const VERIFIED_CACHE_MS = 60_000;
const CLOCK_TOLERANCE_S = 30;

/**
 * Verifies bearer tokens against the identity provider's JWKS (fetched and cached by kid). A
 * district system sends the same token with every request until it expires: a token verified in
 * the last minute is taken from memory (until its own expiry), which spares a signature check
 * per request.
 */
export function createJwtVerifier(
  options: JwtVerifierOptions,
  clock: () => number = Date.now,
): (token: string) => Promise<Principal> {
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl), {
    cooldownDuration: 30_000,
    cacheMaxAge: 600_000,
  });
  const verified = new Map<string, { principal: Principal; until: number }>();
  return async (token) => {
    const hit = verified.get(token);
    if (hit && hit.until > clock()) return hit.principal;
    if (hit) verified.delete(token);
    try {
      const { payload } = await jwtVerify<PlatformClaims>(token, jwks, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ['ES256', 'RS256', 'EdDSA'],
        clockTolerance: CLOCK_TOLERANCE_S,
        currentDate: new Date(clock()),
      });
      const principal = principalFromClaims(payload);
      const expires = payload.exp !== undefined ? (payload.exp + CLOCK_TOLERANCE_S) * 1000 : Infinity;
      if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
      verified.set(token, { principal, until: Math.min(clock() + VERIFIED_CACHE_MS, expires) });
      return principal;
    } catch (err) {
      if (err instanceof AppError) throw err;
      const detail =
        err instanceof joseErrors.JWTExpired
          ? 'the token has expired'
          : err instanceof joseErrors.JOSEError
            ? `the token is not valid (${err.code})`
            : 'the token could not be verified';
      if (!(err instanceof joseErrors.JOSEError)) {
        throw unavailable('the identity provider cannot be reached', err);
      }
      throw new AppError('unauthenticated', detail, {
        headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
      });
    }
  };
}

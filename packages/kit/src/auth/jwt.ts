import { createRemoteJWKSet, type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';
import { AppError } from '../errors.ts';
import type { Principal } from './principal.ts';

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

/** Verifies bearer tokens against the identity provider's JWKS (fetched and cached by kid). */
export function createJwtVerifier(options: JwtVerifierOptions): (token: string) => Promise<Principal> {
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl), {
    cooldownDuration: 30_000,
    cacheMaxAge: 600_000,
  });
  return async (token) => {
    try {
      const { payload } = await jwtVerify<PlatformClaims>(token, jwks, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ['ES256', 'RS256', 'EdDSA'],
        clockTolerance: 30,
      });
      return principalFromClaims(payload);
    } catch (err) {
      if (err instanceof AppError) throw err;
      const detail =
        err instanceof joseErrors.JWTExpired
          ? 'the token has expired'
          : err instanceof joseErrors.JOSEError
            ? `the token is not valid (${err.code})`
            : 'the token could not be verified';
      if (!(err instanceof joseErrors.JOSEError)) {
        throw new AppError('unavailable', 'the identity provider cannot be reached', { cause: err });
      }
      throw new AppError('unauthenticated', detail, {
        headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
      });
    }
  };
}

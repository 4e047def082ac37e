import { readFileSync } from 'node:fs';
import { generateKeyPair, importJWK, type JWK, type JWTPayload, SignJWT } from 'jose';
import type { District } from './seeds.ts';

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Tokens a service must refuse with 401, each otherwise valid for district A: signed by the
 * trusted key unless the point is the signature.
 */
export async function malformedTokens(
  keyFile: string,
  district: District,
  roles: string[],
): Promise<Array<{ label: string; token: string | undefined }>> {
  const jwk = JSON.parse(readFileSync(keyFile, 'utf8')) as JWK;
  const trusted = await importJWK(jwk, 'ES256');
  const { privateKey: stranger } = await generateKeyPair('ES256');
  const now = Math.floor(Date.now() / 1000);
  const claims: JWTPayload = {
    client_id: district.clientId,
    roles,
    area: [district.code],
    iss: 'employment-platform-local',
    aud: 'employment-platform',
    sub: district.clientId,
    iat: now,
    exp: now + 600,
  };
  const header = { alg: 'ES256', kid: jwk.kid ?? 'local', typ: 'JWT' };
  const sign = (payload: JWTPayload, key = trusted) =>
    new SignJWT(payload).setProtectedHeader(header).sign(key);
  const { exp: _exp, ...withoutExp } = claims;
  return [
    { label: 'no token', token: undefined },
    { label: 'not a JWT', token: 'not-a-token' },
    { label: 'signed by another key', token: await sign(claims, stranger) },
    { label: 'alg none', token: `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.` },
    { label: 'expired an hour ago', token: await sign({ ...claims, iat: now - 7200, exp: now - 3600 }) },
    { label: 'without exp', token: await sign(withoutExp) },
    { label: 'valid for ten years', token: await sign({ ...claims, exp: now + 10 * 365 * 86_400 }) },
    { label: 'wrong audience', token: await sign({ ...claims, aud: 'another-platform' }) },
    { label: 'wrong issuer', token: await sign({ ...claims, iss: 'https://issuer.invalid' }) },
  ];
}

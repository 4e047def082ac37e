import type { Server } from 'node:http';
import { createJwtVerifier } from '../../src/jwt.ts';
import { LocalIssuer } from '../../src/local-issuer.ts';

describe('bearer token verification', () => {
  let issuer: LocalIssuer;
  let server: Server;
  let jwksUrl: string;
  let requests = 0;

  beforeAll(async () => {
    issuer = await LocalIssuer.create();
    ({ server, jwksUrl } = await issuer.serve());
    server.on('request', () => requests++);
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const verifierAt = (clock: { now: number }) =>
    createJwtVerifier(
      { jwksUrl, issuer: 'employment-platform-local', audience: 'employment-platform' },
      () => clock.now,
    );

  it('when the same token comes again, then the principal is the same and the signature is not checked again', async () => {
    const clock = { now: Date.now() };
    const verify = verifierAt(clock);
    const token = await issuer.token({
      clientId: 'district-420102',
      roles: ['residents:read'],
      areas: ['420102'],
    });
    const first = await verify(token);
    expect(first).toEqual({
      clientId: 'district-420102',
      roles: new Set(['residents:read']),
      areas: ['420102'],
    });
    // A forged copy of the signature part is a different string: it is verified, and refused.
    const forged = `${token.slice(0, token.lastIndexOf('.') + 1)}${'A'.repeat(86)}`;
    await expect(verify(forged)).rejects.toMatchObject({ status: 401 });
    expect(await verify(token)).toBe(first);
  });

  it('when a remembered token expires, then it is refused', async () => {
    const clock = { now: Date.now() };
    const verify = verifierAt(clock);
    const token = await issuer.token({ clientId: 'c', roles: [], areas: ['4201'], ttlSeconds: 40 });
    await verify(token);
    clock.now += 30_000;
    expect((await verify(token)).clientId).toBe('c');
    // 40 s of validity plus the 30 s of tolerated clock skew have passed.
    clock.now += 45_000;
    await expect(verify(token)).rejects.toMatchObject({ status: 401, message: 'the token has expired' });
  });

  it('when a token was verified over a minute ago, then it is verified again', async () => {
    const clock = { now: Date.now() };
    const verify = verifierAt(clock);
    const token = await issuer.token({ clientId: 'c', roles: [], areas: ['4201'] });
    const first = await verify(token);
    clock.now += 61_000;
    const again = await verify(token);
    expect(again).toEqual(first);
    expect(again).not.toBe(first);
    expect(requests).toBeGreaterThan(0);
  });
});

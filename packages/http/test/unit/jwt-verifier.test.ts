import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { createJwtVerifier } from '../../src/jwt.ts';
import { LocalIssuer } from '../../src/local-issuer.ts';

/**
 * A key and its JWKS that sign whatever claims a test gives, including the ones the local issuer
 * never writes (no `exp`, a lifetime of years, roles in `scope`).
 */
async function rawSigner(): Promise<{
  jwksUrl: string;
  sign: (claims: JWTPayload) => Promise<string>;
  close: () => Promise<void>;
}> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), alg: 'ES256', kid: 'raw', use: 'sig' };
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
    sign: (claims) =>
      new SignJWT({ iss: 'employment-platform-local', aud: 'employment-platform', ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: 'raw', typ: 'JWT' })
        .sign(privateKey),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

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
      {
        jwksUrl,
        issuer: 'employment-platform-local',
        audience: 'employment-platform',
        maxLifetimeSeconds: 3600,
        clockToleranceSeconds: 5,
      },
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
      subject: 'district-420102',
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
    // 40 s of validity plus the 5 s of tolerated clock skew have passed.
    clock.now += 16_000;
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

describe('what a token must carry', () => {
  let signer: Awaited<ReturnType<typeof rawSigner>>;
  const now = () => Math.floor(Date.now() / 1000);
  const base = {
    client_id: 'district-420102',
    sub: 'district-420102',
    roles: ['residents:read'],
    area: ['420102'],
  };

  beforeAll(async () => {
    signer = await rawSigner();
  });
  afterAll(() => signer.close());

  const verifier = (options: { maxLifetimeSeconds?: number; clockToleranceSeconds?: number } = {}) =>
    createJwtVerifier({
      jwksUrl: signer.jwksUrl,
      issuer: 'employment-platform-local',
      audience: 'employment-platform',
      maxLifetimeSeconds: 3600,
      clockToleranceSeconds: 5,
      ...options,
    });

  it('when a token has no expiry, then it is refused', async () => {
    const token = await signer.sign({ ...base, iat: now() });
    await expect(verifier()(token)).rejects.toMatchObject({
      status: 401,
      message: 'the token has no "exp" claim',
    });
  });

  it('when a token has no issue time, then it is refused: its lifetime could not be checked', async () => {
    const token = await signer.sign({ ...base, exp: now() + 600 });
    await expect(verifier()(token)).rejects.toMatchObject({
      status: 401,
      message: 'the token has no "iat" claim',
    });
  });

  it('when a token lives longer than the cap, then it is refused, and a token of exactly the cap is accepted', async () => {
    const iat = now();
    const tooLong = await signer.sign({ ...base, iat, exp: iat + 3601 });
    await expect(verifier()(tooLong)).rejects.toMatchObject({
      status: 401,
      message: 'the token is valid for 3601 s; at most 3600 s are accepted',
    });
    const years = await signer.sign({ ...base, iat, exp: iat + 10 * 365 * 86_400 });
    await expect(verifier()(years)).rejects.toMatchObject({ status: 401 });
    const atCap = await signer.sign({ ...base, iat, exp: iat + 3600 });
    expect((await verifier()(atCap)).clientId).toBe('district-420102');
    // The cap is a setting.
    await expect(verifier({ maxLifetimeSeconds: 600 })(atCap)).rejects.toMatchObject({ status: 401 });
  });

  it('when a token was issued in the future beyond the tolerance, then it is refused', async () => {
    const iat = now() + 60;
    const token = await signer.sign({ ...base, iat, exp: iat + 600 });
    await expect(verifier()(token)).rejects.toMatchObject({ status: 401 });
  });

  it('when a token expired a little while ago, then the configured tolerance decides', async () => {
    const iat = now() - 600;
    const fourSecondsAgo = await signer.sign({ ...base, iat, exp: now() - 4 });
    const tenSecondsAgo = await signer.sign({ ...base, iat, exp: now() - 10 });
    expect((await verifier()(fourSecondsAgo)).clientId).toBe('district-420102');
    await expect(verifier()(tenSecondsAgo)).rejects.toMatchObject({
      status: 401,
      message: 'the token has expired',
    });
    expect((await verifier({ clockToleranceSeconds: 30 })(tenSecondsAgo)).clientId).toBe('district-420102');
  });

  it('when roles come in a `scope` string, then they grant nothing: only the `roles` list does', async () => {
    const iat = now();
    const scoped = await signer.sign({
      ...base,
      roles: undefined,
      scope: 'residents:write admin',
      iat,
      exp: iat + 600,
    });
    expect((await verifier()(scoped)).roles).toEqual(new Set());
    const both = await signer.sign({ ...base, scope: 'admin', iat, exp: iat + 600 });
    expect((await verifier()(both)).roles).toEqual(new Set(['residents:read']));
    const asString = await signer.sign({
      ...base,
      roles: 'residents:read residents:write',
      iat,
      exp: iat + 600,
    });
    await expect(verifier()(asString)).rejects.toMatchObject({
      status: 401,
      message: 'the token\'s "roles" claim must be a list of strings',
    });
  });

  it('when a person acts for a client, then the principal names both: the client and the subject', async () => {
    const iat = now();
    const person = await signer.sign({ ...base, sub: 'reviewer-0042', iat, exp: iat + 600 });
    expect(await verifier()(person)).toMatchObject({ clientId: 'district-420102', subject: 'reviewer-0042' });
    const { sub: _none, ...withoutSubject } = base;
    const machine = await signer.sign({ ...withoutSubject, iat, exp: iat + 600 });
    expect(await verifier()(machine)).toMatchObject({
      clientId: 'district-420102',
      subject: 'district-420102',
    });
  });
});

import { Writable } from 'node:stream';
import {
  AppError,
  areaFilter,
  canAccessArea,
  createLogger,
  newKeyBase64,
  PiiProtector,
  requireRole,
} from '@employment/core';
import { principalFromClaims } from '../../src/jwt.ts';
import { LocalIssuer } from '../../src/local-issuer.ts';

describe('area scope', () => {
  const district = { clientId: 'd', subject: 'd', roles: new Set(['residents:read']), areas: ['420102'] };

  it("when a record lies under the caller's area code, then it is accessible, and not otherwise", () => {
    expect(canAccessArea(district, '420102001001')).toBe(true);
    expect(canAccessArea(district, '420103001001')).toBe(false);
    expect(canAccessArea({ ...district, areas: ['*'] }, '420103001001')).toBe(true);
  });

  it("when a query is cut to the caller's areas, then it uses prefix ranges", () => {
    expect(areaFilter(district)).toEqual({ communityCode: { $gte: '420102', $lt: '420102\uffff' } });
    expect(areaFilter({ ...district, areas: ['420102', '420103'] })).toEqual({
      $or: [
        { communityCode: { $gte: '420102', $lt: '420102\uffff' } },
        { communityCode: { $gte: '420103', $lt: '420103\uffff' } },
      ],
    });
    expect(areaFilter({ ...district, areas: ['*'] })).toEqual({});
  });

  it('when a role is missing, then 403 names it', () => {
    expect(() => requireRole(district, 'residents:write')).toThrow(/residents:write/);
    expect(() => requireRole({ ...district, roles: new Set(['admin']) }, 'residents:write')).not.toThrow();
  });
});

describe('token claims', () => {
  it('when claims carry client, subject, roles and areas, then they become the principal; malformed areas are dropped', () => {
    const principal = principalFromClaims({
      client_id: 'district-420102',
      sub: 'clerk-17',
      roles: ['a', 'b'],
      scope: 'c',
      area: ['420102', 'DROP TABLE', '42'],
    });
    expect(principal).toEqual({
      clientId: 'district-420102',
      subject: 'clerk-17',
      roles: new Set(['a', 'b']),
      areas: ['420102', '42'],
    });
  });

  it('when a token grants no area, then it is refused', () => {
    expect(() => principalFromClaims({ sub: 'x', area: [] })).toThrow(AppError);
  });

  it('when the local issuer signs a token, then its JWKS has the public key only', async () => {
    const issuer = await LocalIssuer.create();
    const token = await issuer.token({ clientId: 'c', roles: [], areas: ['420102'] });
    expect(token.split('.')).toHaveLength(3);
    const [key] = issuer.jwks().keys;
    expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(key).not.toHaveProperty('d');
  });
});

describe('personal data protection', () => {
  const pii = new PiiProtector({ encryptionKeyBase64: newKeyBase64(), hashKeyBase64: newKeyBase64() });

  it('when a value is encrypted, then it decrypts back, and two encryptions differ', () => {
    const a = pii.encrypt('11010519491231002X');
    const b = pii.encrypt('11010519491231002X');
    expect(a).not.toBe(b);
    expect(a.startsWith('k1:')).toBe(true);
    expect(pii.decrypt(a)).toBe('11010519491231002X');
  });

  it('when a ciphertext is tampered with, then decryption fails', () => {
    const sealed = pii.encrypt('11010519491231002X');
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1]! ^= 1;
    expect(() => pii.decrypt(`k1:${raw.toString('base64')}`)).toThrow();
  });

  it('when the same value is hashed, then the hash is stable, and differs under another key', () => {
    const other = new PiiProtector({ encryptionKeyBase64: newKeyBase64(), hashKeyBase64: newKeyBase64() });
    expect(pii.hash('11010519491231002X')).toBe(pii.hash('11010519491231002X'));
    expect(other.hash('11010519491231002X')).not.toBe(pii.hash('11010519491231002X'));
  });

  it('when the encryption key is rotated, then earlier ciphertexts still open and reseal under the new key', () => {
    const k1 = newKeyBase64();
    const hashKey = newKeyBase64();
    const before = new PiiProtector({ encryptionKeyBase64: k1, hashKeyBase64: hashKey });
    const old = before.encrypt('11010519491231002X');
    const after = new PiiProtector({
      encryptionKeyBase64: newKeyBase64(),
      keyVersion: 'k2',
      previousKeys: { k1 },
      hashKeyBase64: hashKey,
    });
    expect(after.isCurrent(old)).toBe(false);
    expect(after.decrypt(old)).toBe('11010519491231002X');
    const resealed = after.reseal(old);
    expect(resealed.startsWith('k2:')).toBe(true);
    expect(after.isCurrent(resealed)).toBe(true);
    expect(after.reseal(resealed)).toBe(resealed);
    expect(after.decrypt(resealed)).toBe('11010519491231002X');
    // The key that sealed it is gone: nothing opens it.
    const without = new PiiProtector({
      encryptionKeyBase64: newKeyBase64(),
      keyVersion: 'k2',
      hashKeyBase64: hashKey,
    });
    expect(() => without.decrypt(old)).toThrow(/no key for ciphertext version k1/);
    // Another key under the same version label does not open it either (GCM authenticates).
    expect(() => without.decrypt(resealed)).toThrow();
  });

  it('when a key version is both current and previous, or malformed, then the protector refuses to start', () => {
    const key = newKeyBase64();
    expect(
      () =>
        new PiiProtector({
          encryptionKeyBase64: key,
          keyVersion: 'k2',
          previousKeys: { k2: key },
          hashKeyBase64: key,
        }),
    ).toThrow(/both current and previous/);
    expect(
      () => new PiiProtector({ encryptionKeyBase64: key, keyVersion: 'K 2', hashKeyBase64: key }),
    ).toThrow(/key version/);
    expect(
      () =>
        new PiiProtector({
          encryptionKeyBase64: key,
          keyVersion: 'k2',
          previousKeys: { k1: newKeyBase64(16) },
          hashKeyBase64: key,
        }),
    ).toThrow(/k1 must be 32 bytes/);
  });

  it('when keys have the wrong length, then the protector refuses to start', () => {
    expect(
      () => new PiiProtector({ encryptionKeyBase64: newKeyBase64(16), hashKeyBase64: newKeyBase64() }),
    ).toThrow(/32 bytes/);
  });
});

describe('logs', () => {
  it('when an ID number appears in any field or message, then the written line has it masked', () => {
    let out = '';
    const destination = new Writable({
      write(chunk, _e, done) {
        out += chunk.toString();
        done();
      },
    });
    const logger = createLogger({ service: 't', destination });
    logger.info(
      { body: { holder: '11010519491231002X' }, nationalId: '11010519491231002X' },
      'saw 11010519491231002X',
    );
    logger.error({ err: new Error('bad id 11010519491231002X') }, 'failed');
    expect(out).not.toContain('11010519491231002X');
    expect(out).toContain('110105********002X');
    expect(out).toContain('[redacted]');
    const line = JSON.parse(out.split('\n')[0]!);
    expect(line).toMatchObject({ level: 'info', service: 't', message: 'saw 110105********002X' });
  });
});

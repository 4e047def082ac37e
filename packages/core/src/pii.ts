import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * Protects personal identifiers at rest: AES-256-GCM for the value (readable again by the
 * service that holds the key), and a keyed hash (HMAC-SHA-256) to find and deduplicate a value
 * without decrypting anything.
 *
 * Ciphertexts name the version of their key (`k2:…`). New values are sealed with the current key;
 * earlier keys, given as `previousKeys`, still open what they sealed, and `reseal` moves a value
 * to the current key: that is how the encryption key is rotated. The hash key cannot be rotated
 * this way (a value is found by its hash).
 */
export class PiiProtector {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly hashKey: Buffer;
  readonly keyVersion: string;

  constructor(options: {
    encryptionKeyBase64: string;
    hashKeyBase64: string;
    keyVersion?: string;
    /** Earlier encryption keys by version, to decrypt what they sealed. */
    previousKeys?: Readonly<Record<string, string>>;
  }) {
    this.keyVersion = options.keyVersion ?? 'k1';
    const keys = new Map<string, Buffer>();
    for (const [version, base64] of Object.entries(options.previousKeys ?? {})) {
      keys.set(PiiProtector.checkVersion(version), PiiProtector.checkKey(base64, version));
    }
    if (keys.has(this.keyVersion)) {
      throw new Error(`the PII key version ${this.keyVersion} is both current and previous`);
    }
    keys.set(PiiProtector.checkVersion(this.keyVersion), PiiProtector.checkKey(options.encryptionKeyBase64));
    this.keys = keys;
    this.hashKey = Buffer.from(options.hashKeyBase64, 'base64');
    if (this.hashKey.length < 32) throw new Error('the PII hash key must be at least 32 bytes (base64)');
  }

  private static checkVersion(version: string): string {
    if (!/^[a-z0-9]{1,16}$/.test(version)) {
      throw new Error(`a PII key version must be 1-16 lower-case letters or digits, not "${version}"`);
    }
    return version;
  }

  private static checkKey(base64: string, version?: string): Buffer {
    const key = Buffer.from(base64, 'base64');
    if (key.length !== 32) {
      throw new Error(`the PII encryption key${version ? ` ${version}` : ''} must be 32 bytes (base64)`);
    }
    return key;
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.keyVersion)!, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${this.keyVersion}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  decrypt(sealed: string): string {
    const [version, payload] = sealed.split(':');
    const key = version === undefined ? undefined : this.keys.get(version);
    if (!key || !payload) throw new Error(`no key for ciphertext version ${version}`);
    const raw = Buffer.from(payload, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }

  /** True when `sealed` was sealed with the current key. */
  isCurrent(sealed: string): boolean {
    return sealed.startsWith(`${this.keyVersion}:`);
  }

  /** The value sealed with the current key: `sealed` itself when it already is. */
  reseal(sealed: string): string {
    return this.isCurrent(sealed) ? sealed : this.encrypt(this.decrypt(sealed));
  }

  /** Keyed hash of an already normalized value: equal inputs give equal hashes. */
  hash(normalized: string): string {
    return createHmac('sha256', this.hashKey).update(normalized, 'utf8').digest('base64url');
  }
}

/** A base64 key of `bytes` random bytes, e.g. for a development configuration. */
export const newKeyBase64 = (bytes = 32): string => randomBytes(bytes).toString('base64');

import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * Protects personal identifiers at rest: AES-256-GCM for the value (readable again by the
 * service that holds the key), and a keyed hash (HMAC-SHA-256) to find and deduplicate a value
 * without decrypting anything. Ciphertexts name their key version so keys can be rotated.
 */
export class PiiProtector {
  private readonly encryptionKey: Buffer;
  private readonly hashKey: Buffer;
  private readonly keyVersion: string;

  constructor(options: { encryptionKeyBase64: string; hashKeyBase64: string; keyVersion?: string }) {
    this.encryptionKey = Buffer.from(options.encryptionKeyBase64, 'base64');
    this.hashKey = Buffer.from(options.hashKeyBase64, 'base64');
    if (this.encryptionKey.length !== 32) throw new Error('the PII encryption key must be 32 bytes (base64)');
    if (this.hashKey.length < 32) throw new Error('the PII hash key must be at least 32 bytes (base64)');
    this.keyVersion = options.keyVersion ?? 'k1';
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.encryptionKey, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${this.keyVersion}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  decrypt(sealed: string): string {
    const [version, payload] = sealed.split(':');
    if (version !== this.keyVersion || !payload) throw new Error(`no key for ciphertext version ${version}`);
    const raw = Buffer.from(payload, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.encryptionKey, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }

  /** Keyed hash of an already normalized value: equal inputs give equal hashes. */
  hash(normalized: string): string {
    return createHmac('sha256', this.hashKey).update(normalized, 'utf8').digest('base64url');
  }
}

/** A base64 key of `bytes` random bytes, e.g. for a development configuration. */
export const newKeyBase64 = (bytes = 32): string => randomBytes(bytes).toString('base64');

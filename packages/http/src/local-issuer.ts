import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';

/**
 * A token issuer for development and tests: an ES256 key, its JWKS served over HTTP, and tokens
 * for any client, roles and areas. Production verifies tokens of a real OIDC provider instead.
 */
type SigningKey = Awaited<ReturnType<typeof importJWK>>;

export class LocalIssuer {
  /** The lifetime of its tokens unless asked otherwise: the services' default cap. */
  static readonly DEFAULT_TTL_SECONDS = 3_600;

  readonly issuer: string;
  readonly audience: string;
  private readonly privateKey: SigningKey;
  private readonly publicJwk: JWK;

  private constructor(privateKey: SigningKey, publicJwk: JWK, issuer: string, audience: string) {
    this.privateKey = privateKey;
    this.publicJwk = publicJwk;
    this.issuer = issuer;
    this.audience = audience;
  }

  /** A new key, or the one kept in `keyFile` (created on first use) so tokens outlive restarts. */
  static async create(
    options: { keyFile?: string; issuer?: string; audience?: string } = {},
  ): Promise<LocalIssuer> {
    const issuer = options.issuer ?? 'employment-platform-local';
    const audience = options.audience ?? 'employment-platform';
    let privateJwk: JWK;
    if (options.keyFile && existsSync(options.keyFile)) {
      privateJwk = JSON.parse(readFileSync(options.keyFile, 'utf8')) as JWK;
    } else {
      const { privateKey } = await generateKeyPair('ES256', { extractable: true });
      privateJwk = {
        ...(await exportJWK(privateKey)),
        alg: 'ES256',
        kid: `local-${Date.now().toString(36)}`,
      };
      if (options.keyFile) {
        mkdirSync(dirname(options.keyFile), { recursive: true });
        writeFileSync(options.keyFile, JSON.stringify(privateJwk), { mode: 0o600 });
      }
    }
    const { d: _private, ...publicJwk } = privateJwk;
    const privateKey = await importJWK(privateJwk, 'ES256');
    return new LocalIssuer(privateKey, { ...publicJwk, use: 'sig' }, issuer, audience);
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  /**
   * A signed token for a client with roles and area scopes (district code, street, community, `*`),
   * with the claims the services require (docs/security.md): `iss`, `aud`, `iat`, `exp` (one hour
   * by default, the services' default lifetime cap), `sub` (the person acting, else the client).
   */
  async token(claims: {
    clientId: string;
    roles: string[];
    areas: string[];
    subject?: string;
    ttlSeconds?: number;
  }): Promise<string> {
    return new SignJWT({ client_id: claims.clientId, roles: claims.roles, area: claims.areas })
      .setProtectedHeader({ alg: 'ES256', kid: this.publicJwk.kid ?? 'local', typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setSubject(claims.subject ?? claims.clientId)
      .setIssuedAt()
      .setExpirationTime(`${claims.ttlSeconds ?? LocalIssuer.DEFAULT_TTL_SECONDS}s`)
      .sign(this.privateKey);
  }

  /** Serves the JWKS at `/.well-known/jwks.json`; port 0 picks a free one. */
  async serve(port = 0, host = '127.0.0.1'): Promise<{ server: Server; jwksUrl: string }> {
    const body = JSON.stringify(this.jwks());
    const server = createServer((req, res) => {
      if (req.url === '/.well-known/jwks.json') {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' }).end(body);
      } else if (req.url === '/healthz') {
        res.writeHead(200).end('ok');
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(port, host, resolve));
    const address = server.address();
    const bound = typeof address === 'object' && address ? address.port : port;
    return { server, jwksUrl: `http://${host}:${bound}/.well-known/jwks.json` };
  }
}

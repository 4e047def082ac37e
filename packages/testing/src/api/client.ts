import { Agent, request as httpRequest } from 'node:http';

/**
 * One HTTP request as an attack or a fuzz case describes it. The path is sent exactly as written
 * (node:http, not fetch: a URL parser would resolve `../` and re-encode what the attack chose).
 */
export interface ApiRequest {
  method: string;
  /** The path, already filled and encoded as it should go on the wire. */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** A bearer token; `undefined` sends no Authorization header. */
  token?: string | undefined;
  /** A JSON value, serialised with JSON.stringify. */
  body?: unknown;
  /** Bytes sent as they are (with `content-type: application/json` unless headers say otherwise). */
  rawBody?: string | Buffer;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  contentType: string;
  text: string;
  /** The parsed JSON body, or `undefined` when the body is not JSON. */
  body: unknown;
  ms: number;
}

/** The query string of a request, `?a=1&b=2`, or an empty string. */
export function queryString(query: Record<string, string> | undefined): string {
  if (!query || Object.keys(query).length === 0) return '';
  return `?${new URLSearchParams(query).toString()}`;
}

/**
 * Sends requests to the services of a platform, counting them by kind (what the suites print):
 * `client.send('residents', 'tokens', request)`.
 */
export class ApiClient {
  readonly counts = new Map<string, number>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });
  private readonly bases: Record<string, { host: string; port: number }>;
  /** How long one request may take before it counts as hung (a finding of its own). */
  readonly timeoutMs: number;

  constructor(urls: Record<string, string>, options: { timeoutMs?: number } = {}) {
    this.bases = Object.fromEntries(
      Object.entries(urls).map(([service, url]) => {
        const u = new URL(url);
        return [service, { host: u.hostname, port: Number(u.port) }];
      }),
    );
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  get total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  send(service: string, kind: string, req: ApiRequest): Promise<ApiResponse> {
    const base = this.bases[service];
    if (!base) throw new Error(`no service ${service}`);
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    const payload =
      req.rawBody !== undefined
        ? Buffer.isBuffer(req.rawBody)
          ? req.rawBody
          : Buffer.from(req.rawBody, 'utf8')
        : req.body !== undefined
          ? Buffer.from(JSON.stringify(req.body), 'utf8')
          : undefined;
    const headers: Record<string, string> = {
      accept: 'application/json, application/problem+json',
      ...(req.token !== undefined ? { authorization: `Bearer ${req.token}` } : {}),
      ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
      ...req.headers,
    };
    const started = Date.now();
    return new Promise<ApiResponse>((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: base.host,
          port: base.port,
          method: req.method,
          path: `${req.path}${queryString(req.query)}`,
          headers,
          agent: this.agent,
          timeout: this.timeoutMs,
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (c: Buffer) => chunks.push(c));
          incoming.on('error', reject);
          incoming.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const contentType = String(incoming.headers['content-type'] ?? '');
            let body: unknown;
            if (/json/i.test(contentType) && text) {
              try {
                body = JSON.parse(text);
              } catch {
                body = undefined;
              }
            }
            resolve({
              status: incoming.statusCode ?? 0,
              headers: incoming.headers,
              contentType,
              text,
              body,
              ms: Date.now() - started,
            });
          });
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      outgoing.on('error', reject);
      if (payload) outgoing.end(payload);
      else outgoing.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

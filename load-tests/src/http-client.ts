import http from 'node:http';

export interface HttpResult {
  /** 0 when no response came (timeout or connection error; see `error`). */
  status: number;
  body: string;
  /** The response's headers (none when no response came). */
  headers?: http.IncomingHttpHeaders;
  error?: 'timeout' | 'connection';
  /** Epoch milliseconds (sub-millisecond precision) when the whole response had been read. */
  receivedAt: number;
}

/** Wall-clock epoch milliseconds with sub-millisecond precision, comparable across this process. */
export const epochNow = (): number => performance.timeOrigin + performance.now();

/**
 * A small keep-alive JSON client on node:http (cheaper per request than fetch, which matters when
 * the load generator shares two cores with the platform it measures).
 */
export class HttpClient {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly timeoutMs: number;

  constructor(baseUrl: string, options: { maxSockets: number; timeoutMs: number }) {
    this.url = new URL(baseUrl);
    if (this.url.protocol !== 'http:') throw new RangeError('the load generator speaks plain http only');
    this.agent = new http.Agent({
      keepAlive: true,
      maxSockets: options.maxSockets,
      maxFreeSockets: options.maxSockets,
    });
    this.timeoutMs = options.timeoutMs;
  }

  request(
    method: 'GET' | 'POST',
    path: string,
    token: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<HttpResult> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = {
      ...extraHeaders,
      authorization: `Bearer ${token}`,
      accept: 'application/json',
    };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    return new Promise((resolve) => {
      let settled = false;
      // A deadline for the whole exchange (the socket's own timeout only notices idle sockets).
      const timer = setTimeout(() => {
        finish({ status: 0, body: '', error: 'timeout' });
        req.destroy();
      }, this.timeoutMs);
      const finish = (result: Omit<HttpResult, 'receivedAt'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ ...result, receivedAt: epochNow() });
      };
      const req = http.request(
        {
          host: this.url.hostname,
          port: this.url.port || 80,
          path,
          method,
          headers,
          agent: this.agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            finish({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              headers: res.headers,
            }),
          );
          res.on('error', () => finish({ status: 0, body: '', error: 'connection' }));
        },
      );
      req.on('error', () => finish({ status: 0, body: '', error: 'connection' }));
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

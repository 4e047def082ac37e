import {
  type ApiOperation,
  type ApiPlatform,
  type ApiRequest,
  type ApiResponse,
  type District,
  fillPath,
  queryString,
  RequestFactory,
  ResponseChecker,
  type SeedRecord,
} from '@employment/testing';

/** One thing an attack found: what was sent, what came back, and which rule it breaks. */
export interface Finding {
  family: string;
  rule: string;
  operation: string;
  detail: string;
  request: string;
  response: string;
}

/** A request as an attack sends it, with how to describe it in a finding. */
export interface AttackRequest extends ApiRequest {
  /** Replaces the body in descriptions (a body too deep or too large to print). */
  note?: string;
  /** Which token it carries, for descriptions (tokens themselves are not printed). */
  tokenLabel?: string;
}

// Invisible or direction-changing characters are shown escaped in reports.
const isInvisible = (code: number) =>
  code < 0x20 ||
  (code >= 0x7f && code <= 0x9f) ||
  (code >= 0x200b && code <= 0x200f) ||
  (code >= 0x202a && code <= 0x202e) ||
  (code >= 0x2066 && code <= 0x2069) ||
  (code >= 0xd800 && code <= 0xdfff);
const visible = (text: string) => {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    out += isInvisible(code) ? `\\u${code.toString(16).padStart(4, '0')}` : text[i];
  }
  return out;
};
const clip = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;

export function describeRequest(req: AttackRequest): string {
  const body =
    req.note ??
    (req.rawBody !== undefined
      ? `raw ${clip(String(req.rawBody), 200)}`
      : req.body !== undefined
        ? clip(JSON.stringify(req.body), 500)
        : '');
  const headers = Object.entries(req.headers ?? {})
    .map(([k, v]) => `${k}: ${clip(v, 80)}`)
    .join(', ');
  return visible(
    `${req.method} ${clip(req.path, 300)}${queryString(req.query)}` +
      ` [${req.tokenLabel ?? (req.token ? 'district token' : 'no token')}]` +
      (headers ? ` {${headers}}` : '') +
      (body ? ` body ${body}` : ''),
  );
}

export function describeResponse(res: ApiResponse | undefined): string {
  if (!res) return 'no answer';
  return visible(`${res.status} ${res.contentType || '(no content type)'} ${clip(res.text, 500)}`);
}

const label = (op: ApiOperation | undefined, service: string, req: ApiRequest) =>
  op ? `${service} ${op.method} ${op.template} (${op.operationId})` : `${service} ${req.method} ${req.path}`;

/**
 * Sends attacks and judges every answer by the rules that hold for any request: no 5xx, an
 * answer within the client's time limit, the service's document kept (status, media type,
 * schema, problem details, Allow on 405), and no national ID number shown in full.
 */
export class Attacker {
  readonly platform: ApiPlatform;
  readonly factory: RequestFactory;
  readonly findings: Finding[] = [];
  /** What could not be attacked, and why (printed with the report). */
  readonly notes: string[] = [];
  /** Every exchange, when ADVERSARIAL_REPORT asks for them (ADVERSARIAL_TRACE=1). */
  readonly trace: Array<{ family: string; request: string; status: number | undefined; ms: number }> = [];
  private readonly checkers = new Map<string, ResponseChecker>();

  constructor(platform: ApiPlatform) {
    this.platform = platform;
    this.factory = new RequestFactory(platform);
    for (const s of platform.services) this.checkers.set(s.name, new ResponseChecker(s.document));
  }

  get A(): District {
    return this.platform.districts.A;
  }

  get B(): District {
    return this.platform.districts.B;
  }

  checker(service: string): ResponseChecker {
    return this.checkers.get(service)!;
  }

  find(
    family: string,
    rule: string,
    op: ApiOperation | undefined,
    service: string,
    req: AttackRequest,
    res: ApiResponse | undefined,
    detail: string,
  ): void {
    this.findings.push({
      family,
      rule,
      operation: label(op, service, req),
      detail: visible(detail),
      request: describeRequest(req),
      response: describeResponse(res),
    });
  }

  /** Sends one attack, counted under `family`, and records what the general rules find. */
  async send(
    family: string,
    op: ApiOperation | undefined,
    service: string,
    req: AttackRequest,
  ): Promise<ApiResponse | undefined> {
    let res: ApiResponse;
    try {
      res = await this.platform.client.send(service, family, req);
    } catch (err) {
      this.find(family, 'no-answer', op, service, req, undefined, (err as Error).message);
      return undefined;
    }
    if (process.env.ADVERSARIAL_TRACE)
      this.trace.push({
        family,
        request: `${service} ${describeRequest(req).slice(0, 300)}`,
        status: res.status,
        ms: res.ms,
      });
    for (const breach of this.checker(service).check(op, res)) {
      this.find(family, breach.rule, op, service, req, res, breach.detail);
    }
    for (const value of this.platform.pool.neverShown) {
      if (res.text.includes(value)) {
        this.find(
          family,
          'national-id-shown',
          op,
          service,
          req,
          res,
          'the answer shows a national ID number in full',
        );
        break;
      }
    }
    return res;
  }

  /** The records of a district that only its own area may see, and values it alone may learn. */
  privateValues(district: District): Array<{ value: string; what: string }> {
    return [
      ...this.platform.pool.records
        .filter((r) => r.district === district.code && r.visibility === 'area')
        .map((r) => ({ value: r.value, what: `${r.name} of district ${r.district}` })),
      ...this.platform.pool.secrets.filter((s) => s.district === district.code),
    ];
  }

  /** What of `owner`'s private values an answer shows that the request did not carry itself. */
  revealed(owner: District, req: ApiRequest, res: ApiResponse): string[] {
    const sent = `${req.path}${queryString(req.query)} ${JSON.stringify(req.body ?? '')} ${String(req.rawBody ?? '')}`;
    return this.privateValues(owner)
      .filter((p) => res.text.includes(p.value) && !sent.includes(p.value))
      .map((p) => `${p.what} (${p.value})`);
  }

  /** Every owner's record that a request names (in its path, query or body). */
  recordsIn(req: ApiRequest, owner: District): SeedRecord[] {
    const sent = `${req.path}${queryString(req.query)} ${JSON.stringify(req.body ?? '')}`;
    return this.platform.pool.records.filter((r) => r.district === owner.code && sent.includes(r.value));
  }

  /** How the owner reads a record now: every reader's answer, as text (for before/after). */
  async readAsOwner(record: SeedRecord, owner: District): Promise<string | undefined> {
    const readers = this.factory.readersOf(record.name);
    if (readers.length === 0) return undefined;
    const parts: string[] = [];
    for (const reader of readers) {
      const res = await this.platform.client.send(reader.service, 'snapshot', {
        method: 'GET',
        path: fillPath(reader.template, { [record.name]: record.value }),
        token: owner.token,
      });
      parts.push(`${reader.operationId} ${res.status} ${stable(res.body ?? res.text)}`);
    }
    return parts.join('\n');
  }
}

/** JSON with sorted keys, so two reads of an unchanged record compare equal. */
export function stable(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ApiResponse } from './client.ts';
import type { ApiDocument, ApiOperation, Schema } from './document.ts';

/** One way a response breaks its service's document or the platform's rules for every answer. */
export interface Breach {
  rule:
    | 'server-error'
    | 'undocumented-status'
    | 'not-problem-json'
    | 'method-not-allowed-without-allow'
    | 'content-type'
    | 'schema'
    | 'retry-after-missing';
  detail: string;
}

const DOC_ID = 'openapi.json';

/** Points `#/components/...` references at the registered document, as the kit's validator does. */
function rebaseRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rebaseRefs);
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [
        k,
        k === '$ref' && typeof v === 'string' && v.startsWith('#') ? `${DOC_ID}${v}` : rebaseRefs(v),
      ]),
    );
  }
  return node;
}

const mediaType = (contentType: string) => contentType.split(';')[0]!.trim().toLowerCase();

/**
 * Checks an answer against the document of its service, with the JSON Schema validator the kit
 * validates requests with (Ajv, JSON Schema 2020-12): the status is documented for the operation,
 * errors are `application/problem+json`, the body has the documented media type and matches its
 * schema, a 405 says what is allowed, a 429 or 503 says when to retry. Every 5xx counts as a
 * server error, a 503 too: no dependency is away while the suites run.
 */
export class ResponseChecker {
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(document: ApiDocument) {
    this.ajv = new Ajv2020({ allErrors: false, strict: false, validateFormats: true });
    addFormats.default(this.ajv);
    this.ajv.addSchema({ $id: DOC_ID, components: rebaseRefs(document.components ?? {}) });
  }

  /** `op` is the operation the request meant; `undefined` for a method or path the document lacks. */
  check(op: ApiOperation | undefined, res: ApiResponse): Breach[] {
    const breaches: Breach[] = [];
    const type = mediaType(res.contentType);
    if (res.status >= 500) {
      const problem = res.body as { detail?: unknown } | undefined;
      breaches.push({
        rule: 'server-error',
        detail: `answered ${res.status}${typeof problem?.detail === 'string' ? `: ${problem.detail}` : ''}`,
      });
    }
    if (res.status >= 400 && type !== 'application/problem+json') {
      breaches.push({
        rule: 'not-problem-json',
        detail: `a ${res.status} as ${type || 'no content type'}, not application/problem+json`,
      });
    }
    if (res.status === 405 && !res.headers.allow) {
      breaches.push({ rule: 'method-not-allowed-without-allow', detail: 'a 405 without an Allow header' });
    }
    if ((res.status === 429 || res.status === 503) && !res.headers['retry-after']) {
      breaches.push({ rule: 'retry-after-missing', detail: `a ${res.status} without Retry-After` });
    }
    // A 5xx is reported as such; that it is also undocumented adds nothing.
    if (!op || res.status >= 500) return breaches;

    const statusKey = String(res.status);
    const documented =
      op.responses[statusKey] ?? op.responses[`${statusKey[0]}XX`] ?? op.responses.default ?? undefined;
    if (!documented) {
      breaches.push({
        rule: 'undocumented-status',
        detail: `${res.status} is not documented (documented: ${Object.keys(op.responses).join(', ')})`,
      });
      return breaches;
    }
    const content = documented.content;
    if (!content || Object.keys(content).length === 0) return breaches;
    const entry = content[type];
    if (!entry) {
      breaches.push({
        rule: 'content-type',
        detail: `${type || 'no content type'} is not documented for ${res.status} (documented: ${Object.keys(content).join(', ')})`,
      });
      return breaches;
    }
    if (!entry.schema) return breaches;
    if (res.body === undefined) {
      breaches.push({ rule: 'schema', detail: `the ${type} body is not JSON: ${res.text.slice(0, 120)}` });
      return breaches;
    }
    const validate = this.validator(`${op.operationId} ${res.status} ${type}`, entry.schema);
    if (!validate(res.body)) {
      const [first] = validate.errors ?? [];
      breaches.push({
        rule: 'schema',
        detail:
          `the body does not match the documented schema: ${first?.instancePath || '(root)'} ${first?.message ?? ''}`.trim(),
      });
    }
    return breaches;
  }

  private validator(key: string, schema: Schema): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(rebaseRefs(schema) as object);
      this.validators.set(key, validate);
    }
    return validate;
  }

  /** A validator for a request schema (the suites check locally what the service must refuse). */
  requestValidator(key: string, schema: Schema): (value: unknown) => boolean {
    const validate = this.validator(`request ${key}`, schema);
    return (value) => validate(value) as boolean;
  }
}

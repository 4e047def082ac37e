import { AppError, type FieldProblem, type TextKind, textProblem } from '@employment/core';
import type { SchemaValidateFunction } from 'ajv';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/** The subset of an OpenAPI 3.1 document the kit reads. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, OpenApiOperation | unknown>>;
  components?: { schemas?: Record<string, unknown>; [k: string]: unknown };
  [k: string]: unknown;
}

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Record<string, unknown>;
}

export interface OpenApiOperation {
  operationId: string;
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: unknown }> };
  security?: unknown[];
  [k: string]: unknown;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const ALLOW_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

interface CompiledOperation {
  method: string;
  template: string;
  operationId: string;
  pattern: RegExp;
  pathNames: string[];
  params: Array<{ param: OpenApiParameter; validate: ValidateFunction | undefined }>;
  body: ValidateFunction | undefined;
  bodyRequired: boolean;
  public: boolean;
}

export interface MatchedOperation {
  operationId: string;
  template: string;
  pathParams: Record<string, string>;
  public: boolean;
}

const DOC_ID = 'openapi.json';

/**
 * `x-text` on a string schema says how the kit's text rule (text.ts) applies to it. Every request
 * string gets the rule without anyone asking for it: a string schema without `enum`, `const` or a
 * `format` the validator checks is `line` unless it says otherwise. `multiline` allows tab and line
 * breaks as well (say so in the field's description); `unchecked` opts a field out, for one that
 * must carry text as sent (none does yet; say why where you use it).
 */
export type TextRule = TextKind | 'unchecked';
export const TEXT_KEYWORD = 'x-text';

function isStringSchema(node: Record<string, unknown>): boolean {
  const type = node.type;
  return type === 'string' || (Array.isArray(type) && type.includes('string'));
}

/**
 * A schema ready to compile: `#/components/...` references point at the registered document, and
 * every string schema the text rule applies to carries `x-text`.
 */
function prepare(node: unknown, knownFormats: (format: string) => boolean): unknown {
  if (Array.isArray(node)) return node.map((n) => prepare(n, knownFormats));
  if (node && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    const out = Object.fromEntries(
      Object.entries(record).map(([k, v]) => [
        k,
        k === '$ref' && typeof v === 'string' && v.startsWith('#')
          ? `${DOC_ID}${v}`
          : prepare(v, knownFormats),
      ]),
    );
    const closed =
      'enum' in record ||
      'const' in record ||
      (typeof record.format === 'string' && knownFormats(record.format));
    if (isStringSchema(record) && !(TEXT_KEYWORD in record) && !closed) out[TEXT_KEYWORD] = 'line';
    return out;
  }
  return node;
}

/** An Ajv for one document: its components registered, formats and the text rule known. */
function createAjv(document: OpenApiDocument, options: { coerceTypes?: boolean } = {}) {
  const ajv = new Ajv2020({ allErrors: true, strict: false, useDefaults: true, ...options });
  addFormats.default(ajv);
  const checkText: SchemaValidateFunction = (rule: TextRule, value: string) => {
    const detail = rule === 'unchecked' ? undefined : textProblem(value, rule);
    checkText.errors = detail ? [{ keyword: TEXT_KEYWORD, message: detail, params: { rule } }] : [];
    return detail === undefined;
  };
  ajv.addKeyword({
    keyword: TEXT_KEYWORD,
    type: 'string',
    schemaType: 'string',
    errors: true,
    metaSchema: { enum: ['line', 'multiline', 'unchecked'] },
    validate: checkText,
  });
  const knownFormats = (format: string) => ajv.formats[format] !== undefined;
  ajv.addSchema({ $id: DOC_ID, components: prepare(document.components ?? {}, knownFormats) });
  return { ajv, prepare: (schema: unknown) => prepare(schema, knownFormats) as object };
}

/** JSON Pointer of an Ajv error, with the missing property for `required`. */
function pointerOf(error: ErrorObject): string {
  if (error.keyword === 'required')
    return `${error.instancePath}/${(error.params as { missingProperty: string }).missingProperty}`;
  if (error.keyword === 'additionalProperties') {
    return `${error.instancePath}/${(error.params as { additionalProperty: string }).additionalProperty}`;
  }
  return error.instancePath;
}

function describe(error: ErrorObject): string {
  if (error.keyword === 'additionalProperties') return 'is not a known field';
  if (error.keyword === 'required') return 'is required';
  if (error.keyword === 'enum')
    return `must be one of: ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  return error.message ?? 'is not valid';
}

export function toFieldProblems(
  where: FieldProblem['in'],
  errors: ErrorObject[] | null | undefined,
  prefix = '',
): FieldProblem[] {
  const seen = new Set<string>();
  const out: FieldProblem[] = [];
  for (const error of errors ?? []) {
    // `if`/`anyOf` wrappers repeat what their branches said.
    if (error.keyword === 'if' || error.keyword === 'anyOf' || error.keyword === 'oneOf') continue;
    const problem = { in: where, pointer: `${prefix}${pointerOf(error)}`, detail: describe(error) };
    const key = `${problem.pointer} ${problem.detail}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(problem);
    }
  }
  return out;
}

/**
 * Validates requests against the service's OpenAPI 3.1 document (JSON Schema 2020-12): a request
 * that matches no documented operation is refused, and one that does gets its path, query and
 * body checked before any route code runs.
 */
export class OpenApiValidator {
  readonly document: OpenApiDocument;
  readonly ajv: Ajv2020;
  private readonly operations: CompiledOperation[] = [];

  constructor(document: OpenApiDocument) {
    this.document = document;
    const { ajv, prepare } = createAjv(document, { coerceTypes: false });
    this.ajv = ajv;

    for (const [template, item] of Object.entries(document.paths)) {
      const shared = ((item as { parameters?: OpenApiParameter[] }).parameters ?? []) as OpenApiParameter[];
      for (const method of METHODS) {
        const op = item[method] as OpenApiOperation | undefined;
        if (!op) continue;
        const pathNames: string[] = [];
        const pattern = new RegExp(
          `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_, name: string) => {
            pathNames.push(name);
            return '([^/]+)';
          })}$`,
        );
        const params = [...shared, ...(op.parameters ?? [])].map((param) => ({
          param,
          validate: param.schema ? this.ajv.compile(prepare(param.schema)) : undefined,
        }));
        const jsonBody = op.requestBody?.content['application/json']?.schema;
        this.operations.push({
          method: method.toUpperCase(),
          template,
          operationId: op.operationId,
          pattern,
          pathNames,
          params,
          body: jsonBody ? this.ajv.compile(prepare(jsonBody)) : undefined,
          bodyRequired: op.requestBody?.required ?? false,
          public: Array.isArray(op.security) && op.security.length === 0,
        });
      }
    }
  }

  /**
   * The operation for a method and path; `undefined` for an unknown path, 'method' for a known path
   * with another method. Throws a 400 AppError when a path parameter cannot be decoded.
   */
  match(method: string, path: string): MatchedOperation | 'method' | undefined {
    let pathKnown = false;
    for (const op of this.operations) {
      const m = op.pattern.exec(path);
      if (!m) continue;
      pathKnown = true;
      if (op.method !== method && !(method === 'HEAD' && op.method === 'GET')) continue;
      const pathParams: Record<string, string> = {};
      op.pathNames.forEach((name, i) => {
        pathParams[name] = decodePathSegment(name, m[i + 1]!);
      });
      return { operationId: op.operationId, template: op.template, pathParams, public: op.public };
    }
    return pathKnown ? 'method' : undefined;
  }

  /** The methods a path answers to (HEAD wherever GET is), for an `Allow` header; empty for an unknown path. */
  allowedMethods(path: string): string[] {
    const allowed = new Set<string>();
    for (const op of this.operations) {
      if (!op.pattern.test(path)) continue;
      allowed.add(op.method);
      if (op.method === 'GET') allowed.add('HEAD');
    }
    return ALLOW_ORDER.filter((m) => allowed.has(m));
  }

  /** Checks parameters and body; coerces query values to their schema types in place. */
  validate(
    matched: MatchedOperation,
    request: {
      method: string;
      query: Record<string, unknown>;
      headers: Record<string, unknown>;
      body: unknown;
      hasBody: boolean;
    },
  ): FieldProblem[] {
    const op = this.operations.find((o) => o.operationId === matched.operationId)!;
    const problems: FieldProblem[] = [];
    for (const { param, validate } of op.params) {
      const source =
        param.in === 'path'
          ? matched.pathParams
          : param.in === 'query'
            ? request.query
            : param.in === 'header'
              ? request.headers
              : {};
      const key = param.in === 'header' ? param.name.toLowerCase() : param.name;
      let value = source[key];
      if (value === undefined) {
        // An absent query value takes its schema's default, as the operation's zod schema promises
        // the handler bound to it (e.g. `limit`).
        if (param.in === 'query' && param.schema && 'default' in param.schema)
          request.query[key] = structuredClone(param.schema.default);
        if (param.required)
          problems.push({
            in: param.in as FieldProblem['in'],
            pointer: `/${param.name}`,
            detail: 'is required',
          });
        continue;
      }
      // Path and query values arrive as text: numbers and booleans are converted when the schema asks.
      if (typeof value === 'string' && param.schema) value = coerceScalar(value, param.schema) ?? value;
      if (validate && !validate(value)) {
        problems.push(...toFieldProblems(param.in as FieldProblem['in'], validate.errors, `/${param.name}`));
      } else if (param.in === 'query') {
        request.query[key] = value;
      }
    }
    const known = new Set(op.params.filter((p) => p.param.in === 'query').map((p) => p.param.name));
    for (const name of Object.keys(request.query)) {
      if (!known.has(name))
        problems.push({ in: 'query', pointer: `/${name}`, detail: 'is not a known parameter' });
    }
    if (op.body) {
      if (!request.hasBody) {
        if (op.bodyRequired) problems.push({ in: 'body', pointer: '', detail: 'a JSON body is required' });
      } else if (!op.body(request.body)) {
        problems.push(...toFieldProblems('body', op.body.errors));
      }
    }
    return problems;
  }
}

/** A path parameter as sent; a broken percent-escape (`%ZZ`, bytes that are not UTF-8) is the caller's error. */
function decodePathSegment(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new AppError('validation-failed', `path /${name}: is not valid percent-encoded UTF-8`, {
      errors: [{ in: 'path', pointer: `/${name}`, detail: 'is not valid percent-encoded UTF-8' }],
    });
  }
}

/** Query strings are text: numbers and booleans are converted when the schema asks for them. */
function coerceScalar(value: string, schema: Record<string, unknown>): unknown {
  const type = schema.type;
  if ((type === 'integer' || type === 'number') && value.trim() !== '' && !Number.isNaN(Number(value)))
    return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return undefined;
}

/**
 * A validator for one schema of the document's components, for checks the request schema leaves
 * to the service (e.g. each row of a batch, so one bad row does not refuse the others).
 */
export function compileComponentSchema(
  document: OpenApiDocument,
  name: string,
): (value: unknown, pointerPrefix?: string) => FieldProblem[] {
  const { ajv } = createAjv(document);
  const validate = ajv.compile({ $ref: `${DOC_ID}#/components/schemas/${name}` });
  return (value, pointerPrefix = '') =>
    validate(value) ? [] : toFieldProblems('body', validate.errors, pointerPrefix);
}

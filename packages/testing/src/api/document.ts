/**
 * A service's OpenAPI 3.1 document read as a list of operations, the way the adversarial suite and
 * the fuzz run walk it: every method of every path, with the path's shared parameters merged in.
 */

// biome-ignore lint/suspicious/noExplicitAny: JSON Schema nodes are arbitrary JSON
export type Schema = Record<string, any>;

export interface ApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, Schema>; [k: string]: unknown };
  security?: unknown[];
}

export interface ApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema: Schema;
}

export interface ApiOperation {
  service: string;
  operationId: string;
  /** Upper case: GET, POST, ... */
  method: string;
  /** The path template, e.g. `/v1/residents/{residentId}`. */
  template: string;
  parameters: ApiParameter[];
  /** The JSON request body's schema, when the operation takes one. */
  body: { schema: Schema; required: boolean } | undefined;
  /** Documented responses by status code (or `default`, `4XX`). */
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
  /** Operations with `security: []` need no token. */
  public: boolean;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;

/** Every operation of a document, in document order. */
export function operationsOf(service: string, document: ApiDocument): ApiOperation[] {
  const out: ApiOperation[] = [];
  for (const [template, item] of Object.entries(document.paths)) {
    const shared = ((item as { parameters?: Schema[] }).parameters ?? []).map((p) => resolve(document, p));
    for (const method of HTTP_METHODS) {
      const op = item[method] as Schema | undefined;
      if (!op) continue;
      const own = ((op.parameters ?? []) as Schema[]).map((p) => resolve(document, p));
      // An operation's own parameter replaces a shared one of the same name and place.
      const merged = [...shared.filter((s) => !own.some((o) => o.name === s.name && o.in === s.in)), ...own];
      const json = op.requestBody
        ? resolve(document, op.requestBody).content?.['application/json']
        : undefined;
      out.push({
        service,
        operationId: op.operationId,
        method: method.toUpperCase(),
        template,
        parameters: merged.map((p) => ({
          name: p.name,
          in: p.in,
          required: p.required === true,
          schema: p.schema ?? {},
        })),
        body: json?.schema ? { schema: json.schema, required: op.requestBody.required === true } : undefined,
        responses: Object.fromEntries(
          Object.entries((op.responses ?? {}) as Record<string, Schema>).map(([status, r]) => [
            status,
            resolve(document, r),
          ]),
        ),
        public: Array.isArray(op.security) && op.security.length === 0,
      });
    }
  }
  return out;
}

/** Follows `$ref`s inside the document (`#/components/...`) until a node without one. */
export function resolve(document: ApiDocument, node: Schema): Schema {
  let current = node;
  for (let hops = 0; current && typeof current.$ref === 'string'; hops++) {
    if (hops > 32) throw new Error(`a $ref cycle at ${node.$ref}`);
    const ref = current.$ref as string;
    if (!ref.startsWith('#/')) throw new Error(`an external $ref: ${ref}`);
    // biome-ignore lint/suspicious/noExplicitAny: walking JSON
    let target: any = document;
    for (const part of ref.slice(2).split('/'))
      target = target?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (target === undefined) throw new Error(`an unresolved $ref: ${ref}`);
    const { $ref: _ref, ...siblings } = current;
    // Keywords beside a $ref (OpenAPI 3.1) apply too; the referenced schema's win on a clash.
    current = Object.keys(siblings).length > 0 ? { ...siblings, ...target } : target;
  }
  return current;
}

/** The path params of a template, in order. */
export const pathNames = (template: string): string[] =>
  [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);

/** Fills a path template; each value is percent-encoded unless `raw` says it is already. */
export function fillPath(template: string, values: Record<string, string>, raw = false): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for {${name}} of ${template}`);
    return raw ? value : encodeURIComponent(value);
  });
}

/** `GET /v1/x/{id}` */
export const operationLabel = (op: Pick<ApiOperation, 'method' | 'template'>) =>
  `${op.method} ${op.template}`;

import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { ApiRequest } from './client.ts';
import {
  type ApiDocument,
  type ApiOperation,
  fillPath,
  pathNames,
  resolve,
  type Schema,
} from './document.ts';
import type { ApiPlatform } from './platform.ts';
import type { District, ExampleContext } from './seeds.ts';

/** A place in a JSON value: property names and array indexes. */
export type JsonPath = Array<string | number>;

export const pathText = (path: JsonPath) => (path.length === 0 ? '(body)' : `/${path.join('/')}`);

/** Fields that carry the version the caller read: filled from the target record. */
const VERSION_FIELDS = new Set(['version', 'expectedVersion']);

const hourAgo = () => new Date(Date.now() - 3_600_000).toISOString();
const today = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);

/** The schema at a path inside a schema (through properties and items), or undefined. */
export function schemaAt(document: ApiDocument, schema: Schema, path: JsonPath): Schema | undefined {
  let node: Schema | undefined = resolve(document, schema);
  for (const key of path) {
    if (!node) return undefined;
    const branches = [
      node,
      ...((node.oneOf ?? node.anyOf ?? []) as Schema[]).map((b) => resolve(document, b)),
    ];
    let next: Schema | undefined;
    for (const b of branches) {
      next = typeof key === 'number' ? b.items : b.properties?.[key];
      if (next) break;
    }
    node = next ? resolve(document, next) : undefined;
  }
  return node;
}

/**
 * Every place a string goes in a request body: from the schema (optional fields too, the first
 * item of arrays) and from an example value (rows of a batch, whose schema says only `object`).
 */
export function stringFields(
  document: ApiDocument,
  schema: Schema | undefined,
  example: unknown,
): JsonPath[] {
  const found = new Map<string, JsonPath>();
  const add = (path: JsonPath) => found.set(JSON.stringify(path), path);
  const walkSchema = (node: Schema, path: JsonPath, depth: number) => {
    if (depth > 8) return;
    const s = resolve(document, node);
    if (s.enum || 'const' in s) return;
    const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
    if (types.includes('string') && !s.format) add(path);
    for (const b of (s.oneOf ?? s.anyOf ?? []) as Schema[]) walkSchema(b, path, depth + 1);
    for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, Schema>))
      walkSchema(v, [...path, k], depth + 1);
    if (s.items) walkSchema(s.items, [...path, 0], depth + 1);
  };
  const walkValue = (value: unknown, path: JsonPath) => {
    if (typeof value === 'string') add(path);
    else if (Array.isArray(value)) {
      if (value.length > 0) walkValue(value[0], [...path, 0]);
    } else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) walkValue(v, [...path, k]);
  };
  if (schema) walkSchema(schema, [], 0);
  walkValue(example, []);
  return [...found.values()];
}

/** Every property name at any depth of a value, with its path (for references inside bodies). */
export function propertyPaths(value: unknown, path: JsonPath = []): Array<{ name: string; path: JsonPath }> {
  const out: Array<{ name: string; path: JsonPath }> = [];
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) out.push(...propertyPaths(v, [...path, i]));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push({ name: k, path: [...path, k] });
      out.push(...propertyPaths(v, [...path, k]));
    }
  }
  return out;
}

/** A copy of `value` with `replacement` at `path`; missing containers are made by `fill(prefix)`. */
export function setAt(
  value: unknown,
  path: JsonPath,
  replacement: unknown,
  fill: (prefix: JsonPath) => unknown,
): unknown {
  if (path.length === 0) return replacement;
  const root = structuredClone(value ?? (typeof path[0] === 'number' ? [] : {}));
  // biome-ignore lint/suspicious/noExplicitAny: walking JSON
  let node: any = root;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    if (node[key] === undefined || node[key] === null || typeof node[key] !== 'object') {
      const made = fill(path.slice(0, i + 1));
      node[key] = made && typeof made === 'object' ? made : typeof path[i + 1] === 'number' ? [] : {};
    }
    node = node[key];
  }
  node[path.at(-1)!] = replacement;
  return root;
}

/**
 * Valid requests for operations, as a district would send them: path parameters from the seeded
 * records (by name), a body from the seed module's example or else the smallest the schema
 * accepts, with named fields filled from the records and `version` from the target's current one.
 */
export class RequestFactory {
  private readonly platform: ApiPlatform;
  private readonly versions = new Map<string, number>();

  constructor(platform: ApiPlatform) {
    this.platform = platform;
  }

  /** The records an operation's path parameters name, of `owner`; or the names no seed made. */
  pathParams(op: ApiOperation, owner: District): { params: Record<string, string>; missing: string[] } {
    const params: Record<string, string> = {};
    const missing: string[] = [];
    for (const name of pathNames(op.template)) {
      const value = this.platform.pool.first(this.platform.canonicalName(name, op.service), owner.code);
      if (value === undefined) missing.push(name);
      else params[name] = value;
    }
    return { params, missing };
  }

  /** The GET that reads one record of a name: `/…/{name}` with no other parameter in the path. */
  readerOf(name: string, preferService?: string): ApiOperation | undefined {
    const readers = this.platform.operations.filter(
      (op) =>
        op.method === 'GET' && op.template.endsWith(`/{${name}}`) && pathNames(op.template).length === 1,
    );
    return readers.find((op) => op.service === preferService) ?? readers[0];
  }

  /** Every reader of a record name (a person is read by residents and, as a candidate, by jobs). */
  readersOf(name: string): ApiOperation[] {
    return this.platform.operations.filter(
      (op) =>
        op.method === 'GET' && op.template.endsWith(`/{${name}}`) && pathNames(op.template).length === 1,
    );
  }

  /** The version of a record as its owner reads it (cached until `forget`). */
  async versionOf(
    service: string,
    name: string,
    value: string,
    owner: District,
  ): Promise<number | undefined> {
    const key = `${service} ${name} ${value}`;
    const cached = this.versions.get(key);
    if (cached !== undefined) return cached;
    const reader = this.readerOf(name, service);
    if (!reader) return undefined;
    const res = await this.platform.client.send(reader.service, 'setup', {
      method: 'GET',
      path: fillPath(reader.template, { [name]: value }),
      token: owner.token,
    });
    const version = (res.body as { version?: unknown } | undefined)?.version;
    if (typeof version !== 'number') return undefined;
    this.versions.set(key, version);
    return version;
  }

  /** After a write to a record: its version must be read again. */
  forget(value: string): void {
    for (const key of this.versions.keys()) if (key.endsWith(` ${value}`)) this.versions.delete(key);
  }

  exampleContext(op: ApiOperation, actor: District, params: Record<string, string>): ExampleContext {
    const pool = this.platform.pool;
    return {
      district: actor,
      params,
      record: (name) => {
        const value = pool.first(name, actor.code);
        if (value === undefined)
          throw new Error(`no seeded ${name} of district ${actor.code} for ${op.operationId}`);
        return value;
      },
      records: (name) => pool.of(name, actor.code).map((r) => r.value),
      fresh: (name) => this.platform.fresh(name, actor),
    };
  }

  /**
   * A valid request of `op` by `actor` on the records `params` names (the owner's, which may be
   * another district's under attack). `owner` reads the target's version.
   */
  async valid(
    op: ApiOperation,
    actor: District,
    params: Record<string, string>,
    owner: District = actor,
  ): Promise<ApiRequest & { example: boolean }> {
    const seed = this.platform.service(op.service).seed;
    const example = seed?.examples?.[op.operationId]?.(this.exampleContext(op, actor, params));
    const names = pathNames(op.template);
    const target = names.at(-1);
    const document = this.platform.service(op.service).document;
    let version: number | undefined;
    const bodyFields = op.body ? Object.keys(resolve(document, op.body.schema).properties ?? {}) : [];
    if (target && bodyFields.some((f) => VERSION_FIELDS.has(f))) {
      version = await this.versionOf(
        op.service,
        this.platform.canonicalName(target, op.service),
        params[target]!,
        owner,
      );
    }
    const named = (name: string, schema: Schema): unknown => {
      if (VERSION_FIELDS.has(name)) return version ?? 1;
      const fresh = this.platform.fresh(name, actor);
      if (fresh !== undefined) return fresh;
      const canonical = this.platform.canonicalName(name, op.service);
      const record = this.platform.pool.first(canonical, actor.code);
      if (record !== undefined && (schema.type === 'string' || schema.type === undefined)) return record;
      return undefined;
    };
    let body: unknown;
    if (op.body) {
      body = example?.body ?? minimalValue(document, op.body.schema, named);
      // An example leaves the version to the suite: it is the target's current one.
      if (
        example?.body &&
        body &&
        typeof body === 'object' &&
        !Array.isArray(body) &&
        version !== undefined
      ) {
        for (const field of bodyFields)
          if (VERSION_FIELDS.has(field) && !(field in (body as object)))
            body = { ...(body as object), [field]: version };
      }
    }
    const query: Record<string, string> = {};
    for (const p of op.parameters) {
      if (p.in !== 'query' || !p.required) continue;
      query[p.name] = String(minimalValue(document, p.schema, named, p.name));
    }
    Object.assign(query, example?.query ?? {});
    return {
      method: op.method,
      path: fillPath(op.template, params),
      token: actor.token,
      ...(Object.keys(query).length > 0 ? { query } : {}),
      ...(op.body ? { body } : {}),
      example: example?.body !== undefined || example?.query !== undefined,
    };
  }
}

/**
 * The smallest value a schema accepts: required properties only, the first enum value, the
 * minimum; `named` supplies values by property name first.
 */
export function minimalValue(
  document: ApiDocument,
  schema: Schema,
  named: (name: string, schema: Schema) => unknown = () => undefined,
  name?: string,
  depth = 0,
): unknown {
  const s = resolve(document, schema);
  if (name !== undefined) {
    const value = named(name, s);
    if (value !== undefined) return value;
  }
  if (depth > 10) return null;
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  const branches = (s.oneOf ?? s.anyOf) as Schema[] | undefined;
  if (branches) {
    const pick = branches.find((b) => resolve(document, b).type !== 'null') ?? branches[0]!;
    const { oneOf: _o, anyOf: _a, ...rest } = s;
    return minimalValue(document, { ...rest, ...resolve(document, pick) }, named, undefined, depth + 1);
  }
  const types = Array.isArray(s.type) ? s.type.filter((t: string) => t !== 'null') : s.type ? [s.type] : [];
  const type = types[0] ?? (s.properties ? 'object' : s.items ? 'array' : 'string');
  switch (type) {
    case 'string': {
      if (s.format === 'uuid') return randomUUID();
      if (s.format === 'date') return today();
      if (s.format === 'date-time') return hourAgo();
      if (s.format === 'email') return 'person@example.com';
      if (s.format === 'uri') return 'https://example.com/';
      if (typeof s.pattern === 'string' && s.pattern.startsWith('^')) {
        return fc.sample(fc.stringMatching(new RegExp(s.pattern)), { seed: 42, numRuns: 1 })[0];
      }
      const text = 'adversarial text';
      const min = s.minLength ?? 0;
      return (text.length >= min ? text : text.padEnd(min, 'x')).slice(0, s.maxLength ?? text.length);
    }
    case 'integer':
    case 'number': {
      const min = s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : s.minimum;
      const value = min ?? 1;
      return s.maximum !== undefined && value > s.maximum ? s.maximum : value;
    }
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () =>
        minimalValue(document, s.items ?? {}, named, undefined, depth + 1),
      );
    default: {
      const props = (s.properties ?? {}) as Record<string, Schema>;
      const out: Record<string, unknown> = {};
      for (const key of (s.required ?? []) as string[]) {
        if (props[key]) out[key] = minimalValue(document, props[key], named, key, depth + 1);
      }
      for (const [key, sub] of Object.entries(props)) {
        if (Object.keys(out).length >= (s.minProperties ?? 0)) break;
        if (!(key in out)) out[key] = minimalValue(document, sub, named, key, depth + 1);
      }
      return out;
    }
  }
}

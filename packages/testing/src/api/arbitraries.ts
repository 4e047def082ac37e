import fc from 'fast-check';
import { type ApiDocument, resolve, type Schema } from './document.ts';

/** fast-check itself, for suites outside this package. */
export { fc };

/**
 * JSON Schema (OpenAPI 3.1) to fast-check arbitraries: values the schema accepts, so a fuzz run
 * sends requests that get past validation and reach the service's code, and `nearValid` ones
 * that are off by one mutation. `named` supplies values a schema cannot describe (an id that
 * exists, a national ID with its check digit), by property or parameter name.
 */
export interface ArbitraryOptions {
  document: ApiDocument;
  /** An arbitrary for a property or parameter of this name, or undefined for the schema's own. */
  named?: (name: string, schema: Schema) => fc.Arbitrary<unknown> | undefined;
  /** The most items an array gets, whatever its maxItems (keeps requests small). */
  maxItems?: number;
}

const DATE_MIN = new Date('2000-01-01T00:00:00Z');
const DATE_MAX = new Date('2035-12-31T23:59:59Z');

const isoDate = fc.date({ min: DATE_MIN, max: DATE_MAX, noInvalidDate: true }).map((d) => d.toISOString());

function typesOf(schema: Schema): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  if (typeof schema.type === 'string') return [schema.type];
  if (schema.properties || schema.additionalProperties !== undefined || schema.required) return ['object'];
  if (schema.items) return ['array'];
  return [];
}

function stringArbitrary(schema: Schema): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = Math.min(schema.maxLength ?? Math.max(min, 40), Math.max(min, 200));
  const fits = (s: string) => [...s].length >= min && [...s].length <= (schema.maxLength ?? Infinity);
  switch (schema.format) {
    case 'uuid':
      return fc.uuid({ version: [4, 7] });
    case 'date':
      return isoDate.map((s) => s.slice(0, 10));
    case 'date-time':
      return isoDate;
    case 'email':
      return fc.emailAddress().filter(fits);
    case 'uri':
      return fc.webUrl();
    default:
      break;
  }
  if (typeof schema.pattern === 'string') {
    const pattern = new RegExp(schema.pattern, 'u');
    // An anchored pattern describes the whole value; an unanchored one (e.g. `\S`) only asks
    // that it occur, so any text of the right length that contains it will do.
    if (schema.pattern.startsWith('^')) return fc.stringMatching(pattern).filter(fits);
    return fc
      .string({ unit: 'grapheme', minLength: Math.max(min, 1), maxLength: Math.max(max, 1) })
      .filter((s) => pattern.test(s) && fits(s));
  }
  // Mostly printable text, sometimes any code point (control characters, lone surrogates): both
  // are valid JSON strings, and a schema without a pattern lets them through to the service.
  return fc
    .oneof(
      { weight: 3, arbitrary: fc.string({ unit: 'grapheme', minLength: min, maxLength: max }) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: min, maxLength: max }) },
    )
    .filter(fits);
}

function integerArbitrary(schema: Schema): fc.Arbitrary<number> {
  const min =
    schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : (schema.minimum ?? -1_000_000);
  const max =
    schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : (schema.maximum ?? 1_000_000);
  return fc.integer({ min, max });
}

/** Values the schema accepts (as far as JSON Schema says: rules of the domain are the service's). */
export function schemaArbitrary(
  schema: Schema,
  options: ArbitraryOptions,
  name?: string,
  depth = 0,
): fc.Arbitrary<unknown> {
  const node = resolve(options.document, schema);
  if (name !== undefined) {
    const named = options.named?.(name, node);
    if (named) return named;
  }
  if (depth > 12) return fc.constant(null);
  if ('const' in node) return fc.constant(node.const);
  if (Array.isArray(node.enum)) return fc.constantFrom(...node.enum);
  if (Array.isArray(node.oneOf) || Array.isArray(node.anyOf)) {
    const branches = (node.oneOf ?? node.anyOf) as Schema[];
    return fc.oneof(
      ...branches.map((b) =>
        schemaArbitrary({ ...withoutAlternatives(node), ...b }, options, undefined, depth + 1),
      ),
    );
  }
  if (Array.isArray(node.allOf)) {
    const merged = (node.allOf as Schema[]).reduce<Schema>(
      (acc, part) => mergeSchemas(acc, resolve(options.document, part)),
      withoutAlternatives(node),
    );
    return schemaArbitrary(merged, options, undefined, depth + 1);
  }
  const types = typesOf(node);
  if (types.length > 1) {
    return fc.oneof(
      ...types.map((type) => schemaArbitrary({ ...node, type }, options, undefined, depth + 1)),
    );
  }
  switch (types[0]) {
    case 'string':
      return stringArbitrary(node);
    case 'integer':
      return integerArbitrary(node);
    case 'number':
      return fc.double({
        min: node.minimum ?? -1e6,
        max: node.maximum ?? 1e6,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const item = node.items
        ? schemaArbitrary(node.items, options, undefined, depth + 1)
        : fc.jsonValue({ maxDepth: 2 });
      const minLength = node.minItems ?? 0;
      const maxLength = Math.max(minLength, Math.min(node.maxItems ?? 5, options.maxItems ?? 5));
      return node.uniqueItems
        ? fc.uniqueArray(item, { minLength, maxLength, selector: (v) => JSON.stringify(v) })
        : fc.array(item, { minLength, maxLength });
    }
    case 'object': {
      const properties = (node.properties ?? {}) as Record<string, Schema>;
      const required = new Set<string>((node.required ?? []) as string[]);
      const model = Object.fromEntries(
        Object.entries(properties).map(([key, value]) => [
          key,
          schemaArbitrary(value, options, key, depth + 1),
        ]),
      );
      let record: fc.Arbitrary<Record<string, unknown>> = fc.record(model, {
        requiredKeys: [...required].filter((k) => k in properties),
      });
      if (Object.keys(properties).length === 0 && node.additionalProperties !== false) {
        const values =
          typeof node.additionalProperties === 'object'
            ? schemaArbitrary(node.additionalProperties, options, undefined, depth + 1)
            : fc.jsonValue({ maxDepth: 2 });
        record = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), values, { maxKeys: 4 });
      }
      const minProperties = node.minProperties ?? 0;
      return minProperties > 0 ? record.filter((r) => Object.keys(r).length >= minProperties) : record;
    }
    default:
      return fc.jsonValue({ maxDepth: 3 });
  }
}

function withoutAlternatives(node: Schema): Schema {
  const { oneOf: _o, anyOf: _a, allOf: _all, ...rest } = node;
  return rest;
}

function mergeSchemas(a: Schema, b: Schema): Schema {
  return {
    ...a,
    ...b,
    ...(a.properties || b.properties ? { properties: { ...a.properties, ...b.properties } } : {}),
    ...(a.required || b.required ? { required: [...(a.required ?? []), ...(b.required ?? [])] } : {}),
  };
}

/** Text no service should store: control characters, lone surrogates, bidirectional overrides. */
export const HOSTILE_TEXT = {
  nul: 'a\u0000b',
  'control-character': 'bell\u0007escape\u001b',
  'lone-surrogate': 'x\ud800y',
  'bidi-override': 'abc\u202edcba\u202c',
} as const;

/**
 * A valid value changed in one place: a property dropped or added, a value of the wrong type,
 * text past its bounds or hostile, a number far out of range. What the service must refuse with
 * a 4xx (or accept, when the change happens to be allowed), never with a 5xx.
 */
export function nearValid(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc
    .tuple(valid, fc.nat(), fc.integer({ min: 0, max: 9 }))
    .map(([value, pick, how]) => mutate(structuredClone(value), pick, how));
}

function mutate(value: unknown, pick: number, how: number): unknown {
  // Collect the places (containers and keys) a mutation can land on, then change one.
  const places: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number }> = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) {
      node.forEach((child, i) => {
        places.push({ parent: node, key: i });
        walk(child);
      });
    } else if (node && typeof node === 'object') {
      for (const [k, child] of Object.entries(node)) {
        places.push({ parent: node as Record<string, unknown>, key: k });
        walk(child);
      }
    }
  };
  walk(value);
  const replacement = (current: unknown): unknown => {
    switch (how) {
      case 0:
        return typeof current === 'string' ? 12345 : 'not-what-it-should-be';
      case 1:
        return typeof current === 'string' ? `${current}${'x'.repeat(5000)}` : -1;
      case 2:
        return typeof current === 'string' ? '' : null;
      case 3:
        return typeof current === 'string' ? `${current}${HOSTILE_TEXT.nul}` : { $gt: '' };
      case 4:
        return typeof current === 'string'
          ? `${current}${HOSTILE_TEXT['lone-surrogate']}`
          : [current, current];
      case 5:
        return typeof current === 'number' ? 2 ** 53 + 1 : { nested: current };
      default:
        return current;
    }
  };
  if (places.length === 0 || !value || typeof value !== 'object') {
    return how % 2 === 0 ? { unexpected: value } : replacement(value);
  }
  const place = places[pick % places.length]!;
  if (how >= 8) {
    if (Array.isArray(place.parent)) place.parent.splice(Number(place.key), 1);
    else delete place.parent[place.key as string];
  } else if (how === 7) {
    if (Array.isArray(place.parent)) place.parent.push({ unexpected: true });
    else place.parent.unexpectedField = 'surprise';
  } else if (Array.isArray(place.parent)) {
    place.parent[place.key as number] = replacement(place.parent[place.key as number]);
  } else {
    place.parent[place.key as string] = replacement(place.parent[place.key as string]);
  }
  return value;
}

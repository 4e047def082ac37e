import { randomUUID } from 'node:crypto';
import {
  type ApiOperation,
  type ApiResponse,
  fillPath,
  HOSTILE_TEXT,
  type JsonPath,
  malformedTokens,
  minimalValue,
  pathNames,
  pathText,
  propertyPaths,
  resolve,
  type Schema,
  type SeedRecord,
  schemaAt,
  setAt,
  stringFields,
} from '@employment/testing';
import type { Attacker, AttackRequest } from './attacker.ts';

/**
 * Runs an attack on every operation: one service's operations one after the other (an attack may
 * change what the next one meets), the services side by side.
 */
async function eachOperation(
  platform: Attacker['platform'],
  attack: (op: ApiOperation) => Promise<void>,
): Promise<void> {
  await Promise.all(
    platform.services.map(async (service) => {
      for (const op of service.operations) await attack(op);
    }),
  );
}

const is2xx = (res: ApiResponse | undefined) => !!res && res.status >= 200 && res.status < 300;
const isWrite = (op: ApiOperation) => op.method !== 'GET' && op.method !== 'HEAD';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Operations whose path parameters the seeds cannot fill (for district A): not attacked there. */
export function coverage(attacker: Attacker): void {
  for (const op of attacker.platform.operations) {
    const { missing } = attacker.factory.pathParams(op, attacker.A);
    if (missing.length > 0) {
      attacker.find(
        'coverage',
        'not-covered',
        op,
        op.service,
        { method: op.method, path: op.template },
        undefined,
        `no seed module names a record for {${missing.join('}, {')}}: add one to services/${op.service}/test/api-seed.ts`,
      );
    }
  }
}

/** Path parameters of A's records for an operation, or undefined when not covered. */
const paramsOf = (attacker: Attacker, op: ApiOperation, owner = attacker.A) => {
  const { params, missing } = attacker.factory.pathParams(op, owner);
  return missing.length === 0 ? params : undefined;
};

/** The first item of a list answer, when the answer is a page (`items`). */
const listItems = (res: ApiResponse) => (res.body as { items?: unknown[] } | undefined)?.items;

/** Rows of a batch answer (`results` with a `status` each), if the answer is one. */
const batchRows = (res: ApiResponse) => {
  const results = (res.body as { results?: Array<{ index?: number; status?: string }> } | undefined)?.results;
  return Array.isArray(results) && results.every((r) => typeof r?.status === 'string') ? results : undefined;
};
const REFUSED_ROW = /invalid|forbidden|not-found|refused|rejected|conflict|duplicate|error/;

type Row = { index?: number; status?: string; [k: string]: unknown };
/**
 * The result of the row (or nested row) a body path points into: `/households/0/members/1/x` is
 * `results[0].members[1]` when the result lists its members with a status each.
 */
function rowAt(rows: Row[], path: JsonPath): Row | undefined {
  let row: Row | undefined = rows.find((r) => r.index === path[1]) ?? rows[0];
  for (let i = 2; row && i + 1 < path.length; i += 2) {
    const nested = row[String(path[i])];
    if (!Array.isArray(nested) || typeof path[i + 1] !== 'number') break;
    const inner =
      (nested as Row[]).find((r) => r?.index === path[i + 1]) ?? (nested as Row[])[path[i + 1] as number];
    if (!inner || typeof inner.status !== 'string') break;
    row = inner;
  }
  return row;
}

/**
 * District B against district A's records: reads, lists, changes and references (in paths,
 * queries, bodies and batch rows). Fails on a 2xx that shows or changes A's records or accepts a
 * reference to them, on an answer that differs between A's id and an id that does not exist (an
 * existence oracle), and on any change of A's records seen by A after the attacks.
 */
export async function crossDistrict(attacker: Attacker): Promise<void> {
  const { platform, factory, A, B } = attacker;
  const family = 'cross-district';
  const ownRecords = platform.pool.records.filter((r) => r.district === A.code);
  const before = new Map<SeedRecord, string | undefined>();
  for (const record of ownRecords) before.set(record, await attacker.readAsOwner(record, A));

  /**
   * After a 2xx of B naming A's records: did any of them change as A sees it? (An operation the
   * document allows across areas may change them: the new state becomes the one to compare with.)
   */
  const changedBy = async (op: ApiOperation, req: AttackRequest, res: ApiResponse, allowed: boolean) => {
    for (const record of attacker.recordsIn(req, A)) {
      const now = await attacker.readAsOwner(record, A);
      if (now !== before.get(record)) {
        if (!allowed)
          attacker.find(
            family,
            'cross-area-change',
            op,
            op.service,
            req,
            res,
            `A's ${record.name} ${record.value} changed`,
          );
        before.set(record, now);
      }
    }
  };

  const judge = async (
    op: ApiOperation,
    req: AttackRequest,
    res: ApiResponse | undefined,
    what: string,
    allowed: boolean,
  ) => {
    if (!res) return;
    const shown = attacker.revealed(A, req, res);
    if (shown.length > 0)
      attacker.find(
        family,
        'cross-area-reveal',
        op,
        op.service,
        req,
        res,
        `${what}: the answer shows ${shown.join(', ')}`,
      );
    if (is2xx(res) && isWrite(op)) await changedBy(op, req, res, allowed);
  };

  await eachOperation(platform, async (op) => {
    const allowed = platform.service(op.service).seed?.crossAreaAllowed?.[op.operationId] !== undefined;
    // 1. A's records in the path, B's request otherwise (with the version A last saw).
    const aParams = paramsOf(attacker, op);
    const names = pathNames(op.template);
    if (aParams && names.length > 0) {
      const kinds = names.map((n) => platform.visibility(platform.canonicalName(n, op.service)));
      const req = { ...(await factory.valid(op, B, aParams, A)), token: B.token, tokenLabel: 'district B' };
      const res = await attacker.send(family, op, op.service, req);
      await judge(op, req, res, 'A’s record in the path', allowed);
      // Employers and vacancies are read by every district; an area's own content is not.
      const publicRead = !isWrite(op) && kinds.every((k) => k === 'city');
      if (is2xx(res) && !allowed && !publicRead) {
        const items = listItems(res!);
        if (!(Array.isArray(items) && items.length === 0))
          attacker.find(
            family,
            'cross-area-2xx',
            op,
            op.service,
            req,
            res,
            'district B was answered 2xx on district A’s record',
          );
      }
      // The same request for ids that do not exist must be answered the same way.
      if (kinds.includes('area') && res) {
        const ghost: Record<string, string> = Object.fromEntries(
          Object.entries(aParams).map(([k, v]) => [k, UUID.test(v) ? randomUUID() : v]),
        );
        if (JSON.stringify(ghost) !== JSON.stringify(aParams)) {
          const control = {
            ...req,
            path: fillPath(op.template, ghost),
            tokenLabel: 'district B, ids that do not exist',
          };
          const answer = await attacker.send(family, op, op.service, control);
          if (answer && answer.status !== res.status && !is2xx(res))
            attacker.find(
              family,
              'existence-oracle',
              op,
              op.service,
              req,
              res,
              `A’s record is answered ${res.status}, an id that does not exist ${answer.status}`,
            );
        }
      }
    }

    // 2. References to A's records inside B's own request: query parameters and body fields.
    const bParams = paramsOf(attacker, op, B);
    if (!bParams) return;
    const base = await factory.valid(op, B, bParams);
    const document = platform.service(op.service).document;
    const references: Array<{ where: 'query' | 'body'; name: string; path: JsonPath }> = [];
    for (const p of op.parameters)
      if (p.in === 'query') references.push({ where: 'query', name: p.name, path: [p.name] });
    const bodyPaths = new Map<string, { name: string; path: JsonPath }>();
    for (const found of propertyPaths(base.body)) bodyPaths.set(JSON.stringify(found.path), found);
    if (op.body) {
      for (const found of propertyPaths(minimalValue(document, op.body.schema, () => undefined)))
        bodyPaths.set(JSON.stringify(found.path), found);
      for (const [name] of Object.entries(resolve(document, op.body.schema).properties ?? {}))
        bodyPaths.set(JSON.stringify([name]), { name, path: [name] });
    }
    for (const found of bodyPaths.values()) references.push({ where: 'body', ...found });

    for (const ref of references) {
      const kind = platform.canonicalName(ref.name, op.service);
      const visibility = platform.visibility(kind);
      // Employers and vacancies may be named by any district; area codes only in a query or a read.
      if (visibility === 'city' || (visibility === 'tree' && ref.where === 'body' && !isWrite(op))) continue;
      const value = platform.pool.first(kind, A.code);
      if (value === undefined) continue;
      const place = `${ref.where} ${pathText(ref.path)} = A’s ${kind}`;
      const req: AttackRequest = { ...base, tokenLabel: `district B, ${place}` };
      if (ref.where === 'query') req.query = { ...(base.query ?? {}), [ref.name]: value };
      else {
        const fill = (prefix: JsonPath) => {
          const sub = op.body ? schemaAt(document, op.body.schema, prefix) : undefined;
          return sub ? minimalValue(document, sub) : undefined;
        };
        req.body = setAt(base.body, ref.path, value, fill);
      }
      const res = await attacker.send(family, op, op.service, req);
      await judge(op, req, res, place, allowed);
      // An id that does not exist must be answered as A's is (a record's own id, `id`, is not a
      // reference: a duplicate is refused with 409 by design).
      if (res && !is2xx(res) && UUID.test(value) && ref.name !== 'id' && visibility === 'area') {
        const control: AttackRequest = {
          ...req,
          tokenLabel: `district B, ${ref.where} ${pathText(ref.path)} = an id that does not exist`,
        };
        if (ref.where === 'query') control.query = { ...(req.query ?? {}), [ref.name]: randomUUID() };
        else control.body = JSON.parse(JSON.stringify(req.body).replaceAll(value, randomUUID()));
        const answer = await attacker.send(family, op, op.service, control);
        if (answer && answer.status !== res.status)
          attacker.find(
            family,
            'existence-oracle',
            op,
            op.service,
            req,
            res,
            `${place} is answered ${res.status}, an id that does not exist ${answer.status}`,
          );
      }
      if (!res || !is2xx(res) || allowed) continue;
      const rows = batchRows(res);
      if (rows && ref.where === 'body' && typeof ref.path[1] === 'number') {
        const row = rowAt(rows, ref.path);
        if (row && !REFUSED_ROW.test(row.status ?? ''))
          attacker.find(
            family,
            'cross-area-2xx',
            op,
            op.service,
            req,
            res,
            `${place}: the batch row was ${row.status}`,
          );
      } else if (!rows && (isWrite(op) || visibility === 'area') && ref.where === 'body') {
        attacker.find(family, 'cross-area-2xx', op, op.service, req, res, `${place} was accepted`);
      } else if (!rows && ref.where === 'query' && visibility === 'area') {
        const items = listItems(res);
        if (!(Array.isArray(items) && items.length === 0))
          attacker.find(
            family,
            'cross-area-2xx',
            op,
            op.service,
            req,
            res,
            `${place} was answered with content`,
          );
      }
    }
  });

  // Anything of A's that changed without a request to blame.
  for (const record of ownRecords) {
    const now = await attacker.readAsOwner(record, A);
    if (now !== before.get(record))
      attacker.find(
        family,
        'cross-area-change',
        undefined,
        record.service,
        { method: 'GET', path: `(A's ${record.name} ${record.value})` },
        undefined,
        `A's ${record.name} ${record.value} changed while only district B sent requests:\nbefore ${before.get(record)?.slice(0, 400)}\nafter  ${now?.slice(0, 400)}`,
      );
  }
}

const HOSTILE: Array<{ label: string; text: (original: string) => string; stored: boolean }> = [
  ...Object.entries(HOSTILE_TEXT).map(([label, text]) => ({
    label,
    text: (o: string) => `${o}${text}`,
    stored: true,
  })),
  { label: 'very long', text: () => 'x'.repeat(100_000), stored: false },
];
// Query strings carry bytes: the lone surrogate is its (invalid) UTF-8 encoding.
const HOSTILE_QUERY: Record<string, string> = {
  nul: 'a%00b',
  'control-character': 'bell%07%1B',
  'lone-surrogate': 'x%ED%A0%80y',
  'bidi-override': 'abc%E2%80%AEdcba',
  'very long': 'q'.repeat(8000),
};

/**
 * District A's own requests with hostile text in one string field at a time (body fields, batch
 * rows, query parameters). Fails on a 5xx and on a write that accepts control characters, lone
 * surrogates or bidirectional overrides (text fields must refuse them with 400).
 */
export async function hostileText(attacker: Attacker): Promise<void> {
  const { platform, factory, A } = attacker;
  const family = 'hostile-text';
  await eachOperation(platform, async (op) => {
    const params = paramsOf(attacker, op);
    if (!params) return;
    const document = platform.service(op.service).document;
    const first = await factory.valid(op, A, params);
    const fields = op.body ? stringFields(document, op.body.schema, first.body) : [];
    for (const field of fields) {
      for (const hostile of HOSTILE) {
        const base = await factory.valid(op, A, params);
        const fill = (prefix: JsonPath) => {
          const sub = schemaAt(document, op.body!.schema, prefix);
          return sub ? minimalValue(document, sub) : undefined;
        };
        const original = String(pathValue(base.body, field) ?? 'text');
        const req: AttackRequest = {
          ...base,
          body: setAt(base.body, field, hostile.text(original), fill),
          tokenLabel: `district A, ${hostile.label} at ${pathText(field)}`,
          ...(hostile.label === 'very long'
            ? { note: `the valid body with 100,000 characters at ${pathText(field)}` }
            : {}),
        };
        const res = await attacker.send(family, op, op.service, req);
        if (is2xx(res)) {
          for (const name of pathNames(op.template)) factory.forget(params[name]!);
          // A batch answers 200 with a result per row: the row holding the text must be refused.
          const rows = batchRows(res!);
          const row = rows && typeof field[1] === 'number' ? rowAt(rows, field) : undefined;
          const accepted = rows ? !!row && !REFUSED_ROW.test(row.status ?? '') : true;
          if (hostile.stored && isWrite(op) && accepted)
            attacker.find(
              family,
              'hostile-text-accepted',
              op,
              op.service,
              req,
              res,
              `${hostile.label} at ${pathText(field)} was accepted${row ? ` (the row was ${row.status})` : ''}`,
            );
        }
      }
    }
    for (const p of op.parameters) {
      if (p.in !== 'query' || resolve(document, p.schema).enum) continue;
      for (const [label, raw] of Object.entries(HOSTILE_QUERY)) {
        const base = await factory.valid(op, A, params);
        const rest = new URLSearchParams({ ...(base.query ?? {}) });
        rest.delete(p.name);
        const query = [rest.toString(), `${encodeURIComponent(p.name)}=${raw}`].filter(Boolean).join('&');
        const { query: _q, ...withoutQuery } = base;
        await attacker.send(family, op, op.service, {
          ...withoutQuery,
          path: `${base.path}?${query}`,
          tokenLabel: `district A, ${label} in ?${p.name}`,
        });
      }
    }
  });
}

function pathValue(value: unknown, path: JsonPath): unknown {
  // biome-ignore lint/suspicious/noExplicitAny: walking JSON
  let node: any = value;
  for (const key of path) node = node?.[key];
  return node;
}

const DEPTH = 10_000;
const deepObject = `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`;
const deepArray = `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`;

/** Places in a body schema that take any object (e.g. the rows of a batch). */
function openPlaces(
  document: Parameters<typeof resolve>[0],
  schema: Schema,
  path: JsonPath = [],
  depth = 0,
): JsonPath[] {
  if (depth > 6) return [];
  const s = resolve(document, schema);
  const out: JsonPath[] = [];
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (
    (types.length === 0 || types.includes('object')) &&
    !s.properties &&
    s.additionalProperties !== false &&
    !s.enum
  )
    out.push(path);
  for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, Schema>))
    out.push(...openPlaces(document, v, [...path, k], depth + 1));
  if (s.items) out.push(...openPlaces(document, s.items, [...path, 0], depth + 1));
  return out;
}

/**
 * District A's requests with bodies 10,000 levels deep (as the whole body and inside places that
 * take any object, with an Idempotency-Key), a 1 MiB field, 2,000 unknown properties, and once
 * per service a body past the size limit. Fails on a 5xx, no answer, or a broken document.
 */
export async function bodies(attacker: Attacker): Promise<void> {
  const { platform, factory, A } = attacker;
  const family = 'bodies';
  const tooLarge = new Set<string>();
  await eachOperation(platform, async (op) => {
    if (!op.body) return;
    const params =
      paramsOf(attacker, op) ?? Object.fromEntries(pathNames(op.template).map((n) => [n, randomUUID()]));
    const document = platform.service(op.service).document;
    const base = await factory.valid(op, A, params);
    const key = () => ({ 'idempotency-key': `adversarial-${randomUUID()}` });
    const headers = op.method === 'POST' ? key : () => ({});
    const { body: validBody, ...withoutBody } = base;
    await attacker.send(family, op, op.service, {
      ...withoutBody,
      rawBody: deepObject,
      headers: headers(),
      note: `an object nested ${DEPTH} levels deep`,
    });
    await attacker.send(family, op, op.service, {
      ...withoutBody,
      rawBody: deepArray,
      headers: headers(),
      note: `an array nested ${DEPTH} levels deep`,
    });
    for (const place of openPlaces(document, op.body.schema)) {
      if (place.length === 0) continue;
      const json = JSON.stringify(setAt(validBody, place, '__DEEP__', () => undefined)).replace(
        '"__DEEP__"',
        deepObject,
      );
      await attacker.send(family, op, op.service, {
        ...withoutBody,
        rawBody: json,
        headers: headers(),
        note: `the valid body with an object nested ${DEPTH} levels deep at ${pathText(place)}`,
      });
    }
    const [field] = stringFields(document, op.body.schema, validBody);
    if (field) {
      const huge = setAt(validBody, field, 'x'.repeat(1 << 20), () => undefined);
      await attacker.send(family, op, op.service, {
        ...withoutBody,
        body: huge,
        headers: headers(),
        note: `the valid body with 1 MiB at ${pathText(field)}`,
      });
    }
    if (validBody && typeof validBody === 'object' && !Array.isArray(validBody)) {
      const wide: Record<string, unknown> = { ...validBody };
      for (let i = 0; i < 2_000; i++) wide[`unknown${i}`] = i;
      await attacker.send(family, op, op.service, {
        ...withoutBody,
        body: wide,
        headers: headers(),
        note: 'the valid body with 2,000 unknown properties',
      });
    }
    if (!tooLarge.has(op.service) && op.method === 'POST') {
      tooLarge.add(op.service);
      await attacker.send(family, op, op.service, {
        ...withoutBody,
        rawBody: `{"pad":"${'x'.repeat(9 << 20)}"}`,
        headers: headers(),
        note: 'a 9 MiB body',
      });
    }
  });
}

const b64 = (value: string) => Buffer.from(value, 'utf8').toString('base64url');

/**
 * Cursors a service never issued: base64 of objects with query operators in place of each of its
 * real cursor's values, of arrays and scalars, and garbage. Fails on a 5xx or a broken document.
 */
export async function cursors(attacker: Attacker): Promise<void> {
  const { platform, factory, A } = attacker;
  const family = 'cursors';
  const issued: string[] = [];
  await eachOperation(platform, async (op) => {
    if (!op.parameters.some((p) => p.in === 'query' && p.name === 'cursor')) return;
    const params = paramsOf(attacker, op);
    if (!params) return;
    const base = await factory.valid(op, A, params);
    const hasLimit = op.parameters.some((p) => p.in === 'query' && p.name === 'limit');
    const page = await attacker.send(family, op, op.service, {
      ...base,
      query: { ...(base.query ?? {}), ...(hasLimit ? { limit: '1' } : {}) },
    });
    const real = (page?.body as { nextCursor?: unknown } | undefined)?.nextCursor;
    const bogus = new Map<string, string>([
      ['operator object', b64('{"after":{"$gt":""}}')],
      ['array', b64('["a",{"$ne":null}]')],
      ['string', b64('"after"')],
      ['null', b64('null')],
      ['not JSON', b64('{"after":')],
      ['garbage', '!!not-a-cursor!!'],
      ['percent garbage', '%ZZ%00'],
      ['at the length limit', 'A'.repeat(300)],
    ]);
    if (typeof real === 'string') {
      issued.push(real);
      try {
        const decoded = JSON.parse(Buffer.from(real, 'base64url').toString('utf8')) as Record<
          string,
          unknown
        >;
        for (const k of Object.keys(decoded)) {
          bogus.set(`real cursor, ${k} = {$gt: ""}`, b64(JSON.stringify({ ...decoded, [k]: { $gt: '' } })));
          bogus.set(`real cursor, ${k} = [..]`, b64(JSON.stringify({ ...decoded, [k]: [decoded[k]] })));
          bogus.set(`real cursor, ${k} = null`, b64(JSON.stringify({ ...decoded, [k]: null })));
        }
      } catch {
        // an opaque (e.g. signed) cursor: only the generic ones apply
      }
    }
    const other = issued.find((c) => c !== real);
    if (other) bogus.set('another list’s cursor', other);
    for (const [label, cursor] of bogus) {
      await attacker.send(family, op, op.service, {
        ...base,
        query: { ...(base.query ?? {}), cursor },
        tokenLabel: `district A, cursor: ${label}`,
      });
    }
  });
}

/**
 * Path parameters no record has: bad percent-encodings, encoded slashes, dot segments, a national
 * ID number, very long ids; and an Idempotency-Key holding a national ID number. Fails on a 5xx,
 * a broken document, or a national ID number echoed in the answer.
 */
export async function paths(attacker: Attacker): Promise<void> {
  const { platform, factory, A } = attacker;
  const family = 'paths';
  const nationalId = [...platform.pool.neverShown][0];
  const bogus: Record<string, string> = {
    'bad percent-encoding': '%ZZ',
    'encoded slash': '..%2F..%2Fhealthz',
    'dot segment': '..',
    'encoded NUL': 'a%00b',
    'invalid UTF-8': '%ED%A0%80',
    'very long': 'x'.repeat(4000),
    ...(nationalId ? { 'a national ID number': nationalId } : {}),
  };
  const keyed = new Set<string>();
  await eachOperation(platform, async (op) => {
    const names = pathNames(op.template);
    const params = paramsOf(attacker, op) ?? Object.fromEntries(names.map((n) => [n, randomUUID()]));
    const base = await factory.valid(op, A, params);
    for (const name of names) {
      for (const [label, raw] of Object.entries(bogus)) {
        const path = fillPath(
          op.template,
          Object.fromEntries(names.map((n) => [n, n === name ? raw : encodeURIComponent(params[n]!)])),
          true,
        );
        await attacker.send(family, op, op.service, {
          ...base,
          path,
          tokenLabel: `district A, {${name}}: ${label}`,
        });
      }
    }
    if (nationalId && op.method === 'POST' && !keyed.has(op.service)) {
      keyed.add(op.service);
      await attacker.send(family, op, op.service, {
        ...base,
        headers: { 'idempotency-key': nationalId },
        tokenLabel: 'district A, Idempotency-Key: a national ID number',
      });
    }
  });
}

/**
 * Methods a path does not document (TRACE, and one standard method it lacks). Fails on anything
 * but a 405 with Allow as problem details.
 */
export async function methods(attacker: Attacker): Promise<void> {
  const { platform, factory, A } = attacker;
  const family = 'methods';
  const seen = new Set<string>();
  await eachOperation(platform, async (op) => {
    const key = `${op.service} ${op.template}`;
    if (seen.has(key)) return;
    seen.add(key);
    const documented = platform.operations
      .filter((o) => o.service === op.service && o.template === op.template)
      .map((o) => o.method);
    const params =
      paramsOf(attacker, op) ?? Object.fromEntries(pathNames(op.template).map((n) => [n, randomUUID()]));
    const path = fillPath(op.template, params);
    const others = ['DELETE', 'PUT', 'PATCH', 'POST', 'GET'].filter((m) => !documented.includes(m));
    for (const method of ['TRACE', ...others.slice(0, 1)]) {
      const req: AttackRequest = { method, path, token: A.token, tokenLabel: 'district A' };
      const res = await attacker.send(family, undefined, op.service, req);
      if (res && res.status !== 405)
        attacker.find(
          family,
          'undocumented-method-answered',
          op,
          op.service,
          req,
          res,
          `${method} is not documented for ${op.template}; expected 405`,
        );
    }
  });
  void factory;
}

/**
 * Every operation with each malformed token (and none). Fails on anything but 401. The request is
 * A's, on A's records, with an empty body: a token that is wrongly accepted meets validation (400)
 * instead of changing a record.
 */
export async function tokens(attacker: Attacker): Promise<void> {
  const { platform, A } = attacker;
  const family = 'tokens';
  const roles = [...new Set(platform.services.flatMap((s) => s.seed?.roles ?? []))];
  const malformed = await malformedTokens(platform.keyFile, A, roles);
  await eachOperation(platform, async (op) => {
    if (op.public) return;
    const params =
      paramsOf(attacker, op) ?? Object.fromEntries(pathNames(op.template).map((n) => [n, randomUUID()]));
    for (const { label, token } of malformed) {
      const req: AttackRequest = {
        method: op.method,
        path: fillPath(op.template, params),
        token,
        tokenLabel: label,
        ...(op.body ? { body: {} } : {}),
      };
      const res = await attacker.send(family, op, op.service, req);
      if (res && res.status !== 401)
        attacker.find(
          family,
          'token-not-refused',
          op,
          op.service,
          req,
          res,
          `a token ${label === 'no token' ? 'missing' : `(${label})`} was answered ${res.status}, not 401`,
        );
    }
  });
}

/**
 * A client without a quota of its own sends more than the default quota in a few seconds: it
 * must be cut with 429 and Retry-After. Checked where the kit takes per-client quotas (else the
 * suites could not keep their own clients under them).
 */
export async function rateLimits(attacker: Attacker): Promise<void> {
  const { platform, A } = attacker;
  const family = 'rate-limits';
  const quota = platform.defaultQuota;
  if (quota === undefined) {
    attacker.notes.push(
      'rate limits not checked: the kit has no per-client quotas (RATE_LIMIT_CLIENT_QUOTAS), so the suites’ own clients could not be given theirs',
    );
    return;
  }
  const roles = [...new Set(platform.services.flatMap((s) => s.seed?.roles ?? []))];
  const token = await platform.issuer.token({ clientId: `flood-${platform.run}`, roles, areas: [A.code] });
  for (const service of platform.services) {
    const op = service.operations.find((o) => o.method === 'GET' && pathNames(o.template).length === 0);
    if (!op) continue;
    const base = await attacker.factory.valid(op, A, {});
    const req: AttackRequest = {
      ...base,
      token,
      tokenLabel: `a client without a quota of its own (default ${quota} a minute)`,
    };
    let cut: ApiResponse | undefined;
    let last: ApiResponse | undefined;
    for (let i = 0; i < quota + 10 && !cut; i++) {
      last = await attacker.send(family, op, service.name, req);
      if (last?.status === 429) cut = last;
    }
    if (!cut)
      attacker.find(
        family,
        'not-rate-limited',
        op,
        service.name,
        req,
        last,
        `${quota + 10} requests within a minute were all answered; the quota is ${quota}`,
      );
  }
}

/** After the attacks, each of A's records still takes an ordinary change by A (its seed's `touch`). */
export async function writable(attacker: Attacker): Promise<void> {
  const { platform, A } = attacker;
  const family = 'writable';
  for (const service of platform.services) {
    for (const [name, touch] of Object.entries(service.seed?.touch ?? {})) {
      for (const record of platform.pool.of(name, A.code)) {
        const sent: AttackRequest[] = [];
        const answers: ApiResponse[] = [];
        const call = async (
          method: string,
          path: string,
          options: { body?: unknown; expect?: number[] | 'any' } = {},
        ) => {
          const [bare, query] = path.split('?', 2);
          const req: AttackRequest = {
            method,
            path: bare!,
            token: A.token,
            tokenLabel: 'district A',
            ...(options.body !== undefined ? { body: options.body } : {}),
            ...(query ? { query: Object.fromEntries(new URLSearchParams(query)) } : {}),
          };
          sent.push(req);
          const res = await attacker.send(family, undefined, service.name, req);
          if (!res) throw new Error(`no answer to ${method} ${path}`);
          answers.push(res);
          return res;
        };
        let outcome: ApiResponse | 'final';
        try {
          outcome = await touch(call, record.value, (n) => platform.pool.of(n, A.code).map((r) => r.value));
        } catch (err) {
          attacker.find(
            family,
            'left-unwritable',
            undefined,
            service.name,
            sent.at(-1) ?? { method: '?', path: record.value },
            answers.at(-1),
            `${name} ${record.value}: ${(err as Error).message}`,
          );
          continue;
        }
        if (outcome === 'final') {
          attacker.notes.push(
            `${service.name}: A's ${name} ${record.value} takes no more changes (its state is final); not checked`,
          );
        } else if (!is2xx(outcome)) {
          attacker.find(
            family,
            'left-unwritable',
            undefined,
            service.name,
            sent.at(-1)!,
            outcome,
            `A's ${name} ${record.value} no longer takes an ordinary change`,
          );
        }
      }
    }
  }
}

/** Each service starts again after the attacks (a start-up sweep must not trip on what they left). */
export async function restarts(attacker: Attacker): Promise<void> {
  for (const service of attacker.platform.services) {
    const failure = await attacker.platform.restart(service.name);
    if (failure)
      attacker.find(
        'restart',
        'does-not-start',
        undefined,
        service.name,
        { method: 'START', path: `services/${service.name}/src/main.ts` },
        undefined,
        failure,
      );
  }
}

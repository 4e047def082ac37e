import {
  type ApiOperation,
  ApiPlatform,
  type ApiRequest,
  type ApiResponse,
  type Breach,
  fc,
  fillPath,
  nearValid,
  pathNames,
  queryString,
  RequestFactory,
  ResponseChecker,
  resolve,
  type Schema,
  schemaArbitrary,
} from '@employment/testing';

// A property-based run over every operation of every service: requests made from the OpenAPI
// request schemas (fast-check), valid and one mutation away from valid, sent by district A. It
// fails on a 5xx and on an answer that breaks the document (status, media type, schema, problem
// details). FUZZ_SEED and FUZZ_RUNS (runs per operation) replay or lengthen it: `scripts/fuzz`.

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2_147_483_647);
const RUNS = Number(process.env.FUZZ_RUNS ?? 6);

const CURRENT_VERSION = '\u0001current-version';
const FRESH = '\u0001fresh:';
const VERSION_FIELDS = new Set(['version', 'expectedVersion']);

interface FuzzCase {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
  mutated: boolean;
}

interface Failure {
  operation: string;
  breaches: Breach[];
  request: string;
  response: string;
  seed: number;
  path: string | undefined;
}

const forgedCursor = fc
  .oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.dictionary(
      fc.constantFrom('after', 'id', 'at', 'key', 'createdAt'),
      fc.oneof(
        fc.string(),
        fc.integer(),
        fc.record({ $gt: fc.string() }),
        fc.array(fc.string(), { maxLength: 2 }),
      ),
    ),
  )
  .map((value) => Buffer.from(JSON.stringify(value) ?? 'null', 'utf8').toString('base64url'));

/** A stable number per operation, so each gets its own stream from the one seed. */
const hash = (text: string) => [...text].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) | 0, 7) >>> 0;

describe('fuzz run: schema-made requests to every operation', () => {
  let platform: ApiPlatform;
  let factory: RequestFactory;
  const started = Date.now();
  const failures: Failure[] = [];
  /** Answers by status class, to show how deep the requests got (2xx reached the store). */
  const statuses = new Map<string, number>();

  beforeAll(async () => {
    platform = await ApiPlatform.start();
    await platform.seed();
    factory = new RequestFactory(platform);
    process.stdout.write(
      `\nfuzz run: seed ${SEED}, ${RUNS} runs per operation (FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} to replay)\n`,
    );
  }, 240_000);

  afterAll(async () => {
    if (platform) {
      const counts = [...platform.client.counts.entries()].map(([k, n]) => `${k} ${n}`).join(', ');
      process.stdout.write(
        `fuzz run: ${platform.client.total} requests (${counts}) to ${platform.operations.length} operations in ${((Date.now() - started) / 1000).toFixed(1)}s, seed ${SEED}, ${failures.length} failing operation(s)\n  answers by status: ${[
          ...statuses.entries(),
        ]
          .sort()
          .map(([s, n]) => `${s} ${n}`)
          .join(', ')}\n`,
      );
    }
    await platform?.stop();
  });

  /** The request arbitrary of an operation: path parameters from the seeded records, body and query from the schemas. */
  function caseArbitrary(op: ApiOperation): fc.Arbitrary<FuzzCase> {
    const document = platform.service(op.service).document;
    const A = platform.districts.A;
    const recordsOf = (name: string) =>
      platform.pool.records
        .filter((r) => r.name === platform.canonicalName(name, op.service))
        .map((r) => r.value);
    const plain = { document, maxItems: 3 };
    const named = (name: string, schema: Schema): fc.Arbitrary<unknown> | undefined => {
      if (VERSION_FIELDS.has(name)) return fc.constantFrom<unknown>(CURRENT_VERSION, CURRENT_VERSION, 1, 999);
      // The kit's cursors are base64url JSON: forged ones probe how a service reads them back.
      if (name === 'cursor') return fc.oneof(schemaArbitrary(schema, plain), forgedCursor);
      const own = schemaArbitrary(schema, plain);
      if (platform.fresh(name, A) !== undefined) return fc.oneof(fc.constant(`${FRESH}${name}`), own);
      const known = recordsOf(name);
      return known.length > 0
        ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...known) }, own)
        : undefined;
    };
    const options = { document, named, maxItems: 3 };
    const params = fc.record(
      Object.fromEntries(
        pathNames(op.template).map((name) => {
          const known = recordsOf(name);
          return [
            name,
            known.length > 0
              ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...known) }, fc.uuid())
              : fc.uuid(),
          ];
        }),
      ),
    ) as fc.Arbitrary<Record<string, string>>;
    const queryParams = op.parameters.filter((p) => p.in === 'query');
    const query = fc.record(
      Object.fromEntries(queryParams.map((p) => [p.name, schemaArbitrary(p.schema, options, p.name)])),
      { requiredKeys: queryParams.filter((p) => p.required).map((p) => p.name) },
    );
    let body: fc.Arbitrary<unknown> = fc.constant(undefined);
    if (op.body) {
      const fromSchema = schemaArbitrary(op.body.schema, options);
      const seed = platform.service(op.service).seed;
      const example = seed?.examples?.[op.operationId];
      // A seed's example is a request the service takes: fuzzing around it reaches deeper than the schema alone.
      const exampleBody = example
        ? (() => {
            try {
              return example(factory.exampleContext(op, A, factory.pathParams(op, A).params)).body;
            } catch {
              return undefined;
            }
          })()
        : undefined;
      const versioned =
        exampleBody && typeof exampleBody === 'object' && !Array.isArray(exampleBody)
          ? Object.fromEntries(
              Object.keys(resolve(document, op.body.schema).properties ?? {})
                .filter((f) => VERSION_FIELDS.has(f))
                .map((f) => [f, CURRENT_VERSION]),
            )
          : {};
      body =
        exampleBody === undefined
          ? fromSchema
          : fc.oneof(fc.constant({ ...versioned, ...(exampleBody as object) }), fromSchema);
    }
    // Half the cases are one mutation away from what the schema accepts: in the body when there
    // is one, else in the query.
    return fc.record({ params, query, body, mutated: fc.boolean() }).chain((c) => {
      if (!c.mutated) return fc.constant(c);
      if (op.body) return nearValid(fc.constant(c.body)).map((body) => ({ ...c, body }));
      return nearValid(fc.constant(c.query)).map((q) => ({
        ...c,
        query:
          q && typeof q === 'object' && !Array.isArray(q)
            ? (q as Record<string, unknown>)
            : { unexpected: q },
      }));
    });
  }

  /** Markers become values known only at send time: the target's version, a never-used ID number. */
  async function toRequest(op: ApiOperation, c: FuzzCase): Promise<ApiRequest> {
    const A = platform.districts.A;
    const target = pathNames(op.template).at(-1);
    let version: number | undefined;
    const serialised = JSON.stringify(c.body ?? null);
    if (target && serialised.includes(CURRENT_VERSION)) {
      version = await factory.versionOf(
        op.service,
        platform.canonicalName(target, op.service),
        c.params[target]!,
        A,
      );
    }
    const replace = (value: unknown): unknown => {
      if (value === CURRENT_VERSION) return version ?? 1;
      if (typeof value === 'string' && value.startsWith(FRESH))
        return platform.fresh(value.slice(FRESH.length), A);
      if (Array.isArray(value)) return value.map(replace);
      if (value && typeof value === 'object')
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replace(v)]));
      return value;
    };
    const query = Object.fromEntries(
      Object.entries(c.query)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(replace(v))]),
    );
    return {
      method: op.method,
      path: fillPath(op.template, c.params),
      token: A.token,
      ...(Object.keys(query).length > 0 ? { query } : {}),
      ...(op.body && c.body !== undefined ? { body: replace(c.body) } : {}),
    };
  }

  it('when every operation gets valid and near-valid requests, then no answer is a 5xx or breaks the document', async () => {
    const checkers = new Map(platform.services.map((s) => [s.name, new ResponseChecker(s.document)]));
    // Services side by side, each one's operations in turn.
    await Promise.all(
      platform.services.map(async (service) => {
        for (const op of service.operations) {
          const seed = (SEED + hash(op.operationId)) % 2_147_483_647;
          let last:
            | { request: ApiRequest; response: ApiResponse | undefined; breaches: Breach[] }
            | undefined;
          const property = fc.asyncProperty(caseArbitrary(op), async (c) => {
            const request = await toRequest(op, c);
            let response: ApiResponse | undefined;
            let breaches: Breach[];
            try {
              response = await platform.client.send(op.service, 'fuzz', request);
              statuses.set(String(response.status), (statuses.get(String(response.status)) ?? 0) + 1);
              if (process.env.FUZZ_TRACE)
                process.stdout.write(
                  `${response.status} ${request.method} ${request.path}${queryString(request.query)} ${JSON.stringify(request.body ?? null).slice(0, 200)}\n`,
                );
              breaches = checkers.get(op.service)!.check(op, response);
            } catch (err) {
              breaches = [{ rule: 'server-error', detail: `no answer: ${(err as Error).message}` }];
            }
            last = { request, response, breaches };
            return breaches.length === 0;
          });
          // No shrinking: the services keep state, so a smaller request is not the same experiment.
          const result = await fc.check(property, { seed, numRuns: RUNS, endOnFailure: true });
          if (result.failed && last) {
            failures.push({
              operation: `${op.service} ${op.method} ${op.template} (${op.operationId})`,
              breaches: last.breaches,
              request: `${last.request.method} ${last.request.path}${queryString(last.request.query)} body ${JSON.stringify(last.request.body ?? null).slice(0, 600)}`,
              response: last.response
                ? `${last.response.status} ${last.response.contentType} ${last.response.text.slice(0, 400)}`
                : 'no answer',
              seed,
              path: result.counterexamplePath ?? undefined,
            });
          }
        }
      }),
    );
    if (failures.length > 0) {
      throw new Error(
        [
          `${failures.length} operation(s) failed (run seed ${SEED}; FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} scripts/fuzz replays the run):`,
          ...failures.map((f) =>
            [
              `- ${f.operation} (operation seed ${f.seed}, run ${f.path})`,
              ...f.breaches.map((b) => `    [${b.rule}] ${b.detail}`),
              `    request:  ${f.request}`,
              `    response: ${f.response}`,
            ].join('\n'),
          ),
        ].join('\n'),
      );
    }
  }, 600_000);
});

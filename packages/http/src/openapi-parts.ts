/**
 * Pieces every service's OpenAPI document repeats: problem responses, the Idempotency-Key
 * header, pagination parameters, the Problem schema. A document stays the service's own; these
 * only keep the shared parts identical across services.
 */

export const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const jsonContent = (schema: unknown) => ({ 'application/json': { schema } });
export const okResponse = (description: string, schema: unknown) => ({
  description,
  content: jsonContent(schema),
});
export const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: schemaRef('Problem') } },
});
/** The 503 every operation may answer while the store or the identity provider is away. */
export const unavailableResponse = problemResponse(
  'The store or the identity provider cannot be reached; retry after Retry-After.',
);
/** What the kit itself answers to any request with a body, before the operation's own checks. */
export const bodyProblemResponses = {
  '413': problemResponse('The body is larger than the service accepts (8 MiB unless configured otherwise).'),
  '415': problemResponse('The body is not sent as `application/json`.'),
};

/**
 * A hand-written document with the answers the kit gives on its own added to each operation that
 * takes a body, so that what the service serves is what its document says.
 */
export function withKitResponses<D extends { paths: Record<string, Record<string, unknown>> }>(
  document: D,
): D {
  for (const item of Object.values(document.paths)) {
    for (const op of Object.values(item) as Array<{
      requestBody?: unknown;
      responses?: Record<string, unknown>;
    }>) {
      if (op && typeof op === 'object' && op.requestBody && op.responses)
        op.responses = { ...op.responses, ...bodyProblemResponses };
    }
  }
  return document;
}

export const nullable = (schema: Record<string, unknown>) => ({ oneOf: [schema, { type: 'null' }] });

export const idempotencyKeyParameter = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes a retried POST safe: a repeat with the same key and body (in any key order) returns the first response and changes nothing; a repeat while the first is still running answers 409 with Retry-After. Keys are per client and kept 24 hours. When the key store cannot be reached the request answers 503 with Retry-After and runs nothing.',
  schema: { type: 'string', minLength: 8, maxLength: 255 },
};

export const uuidPathParameter = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string', format: 'uuid' },
});

export const limitParameter = (max: number, fallback: number) => ({
  name: 'limit',
  in: 'query',
  schema: { type: 'integer', minimum: 1, maximum: max, default: fallback },
});

export const cursorParameter = {
  name: 'cursor',
  in: 'query',
  description: 'The `nextCursor` of the previous page.',
  schema: { type: 'string', maxLength: 300 },
};

export const areaCodePattern = '^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$';

/** RFC 9457 problem details, with the kit's `errors` list of field problems. */
export const problemSchema = {
  type: 'object',
  description: 'RFC 9457 problem details.',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['in', 'pointer', 'detail'],
        properties: {
          in: { type: 'string', enum: ['body', 'query', 'path', 'header'] },
          pointer: { type: 'string', description: 'JSON Pointer into the part named by `in`.' },
          detail: { type: 'string' },
        },
      },
    },
  },
};

/** `{ items, nextCursor }` of a schema. */
export const pageSchema = (itemSchema: string) => ({
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: {
    items: { type: 'array', items: schemaRef(itemSchema) },
    nextCursor: { type: ['string', 'null'] },
  },
});

export const bearerSecurityScheme = { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } };

import { z } from 'zod';
import { openApiDocument, operation } from '../../src/contract.ts';
import { OpenApiValidator } from '../../src/openapi.ts';

const Money = z
  .object({ fen: z.int().min(0).meta({ description: 'Integer fen.' }), currency: z.literal('CNY') })
  .meta({ id: 'Money' });
const Grant = z
  .object({
    communityCode: z.string().regex(/^[0-9]{12}$/),
    amount: Money,
    months: z
      .array(z.string().regex(/^[0-9]{4}-[0-9]{2}$/))
      .min(1)
      .max(36),
    note: z.string().max(200).optional(),
  })
  .strict()
  .meta({ id: 'GrantApplication' });
const GrantView = z
  .object({ id: z.uuid(), amount: Money, state: z.enum(['filed', 'approved']) })
  .meta({ id: 'Grant' });

const fileGrant = operation({
  method: 'post',
  path: '/v1/grants',
  operationId: 'fileGrant',
  tags: ['grants'],
  summary: 'File a grant',
  role: 'grants:write',
  body: Grant,
  responses: { 201: { description: 'Filed.', body: GrantView, location: true } },
  problems: { 409: 'Already filed for these months.' },
});
const listGrants = operation({
  method: 'get',
  path: '/v1/communities/{communityCode}/grants',
  operationId: 'listGrants',
  tags: ['grants'],
  summary: 'Grants of a community',
  role: 'grants:read',
  params: z.object({
    communityCode: z
      .string()
      .regex(/^[0-9]{12}$/)
      .meta({ description: 'The community.' }),
  }),
  query: z.object({
    limit: z.int().min(1).max(100).default(20),
    state: z.enum(['filed', 'approved']).optional(),
    cursor: z.string().max(300).optional(),
  }),
  responses: {
    200: {
      description: 'A page.',
      body: z.object({ items: z.array(GrantView), nextCursor: z.string().nullable() }),
    },
  },
});

const document = openApiDocument({
  title: 'Grants',
  version: '1.0.0',
  description: 'test',
  tags: [{ name: 'grants' }],
  operations: [fileGrant, listGrants],
});
const paths = document.paths as Record<string, Record<string, Record<string, unknown>>>;

describe('an OpenAPI document built from operations', () => {
  it('when schemas are named, then they become components referred to from every place that uses them', () => {
    const schemas = document.components!.schemas as Record<string, Record<string, unknown>>;
    expect(Object.keys(schemas).sort()).toEqual(['Grant', 'GrantApplication', 'Money', 'Problem']);
    expect(schemas.GrantApplication!.properties).toMatchObject({
      amount: { $ref: '#/components/schemas/Money' },
    });
    expect(schemas.GrantApplication!.additionalProperties).toBe(false);
    expect(paths['/v1/grants']!.post!.requestBody).toEqual({
      required: true,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/GrantApplication' } } },
    });
    expect(JSON.stringify(document)).not.toContain('$defs');
  });

  it('when an operation has path and query fields, then each is a parameter with its schema, requiredness and description', () => {
    const params = paths['/v1/communities/{communityCode}/grants']!.get!.parameters as Array<
      Record<string, unknown>
    >;
    expect(params).toEqual([
      {
        name: 'communityCode',
        in: 'path',
        required: true,
        description: 'The community.',
        schema: { type: 'string', pattern: '^[0-9]{12}$' },
      },
      {
        name: 'limit',
        in: 'query',
        required: false,
        schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
      },
      {
        name: 'state',
        in: 'query',
        required: false,
        schema: { type: 'string', enum: ['filed', 'approved'] },
      },
      { name: 'cursor', in: 'query', required: false, schema: { type: 'string', maxLength: 300 } },
    ]);
  });

  it('when an operation is documented, then it lists its own answers beside the standard problems, and a POST takes an Idempotency-Key', () => {
    const post = paths['/v1/grants']!.post!;
    expect(Object.keys(post.responses as object).sort()).toEqual([
      '201',
      '400',
      '401',
      '403',
      '409',
      '413',
      '415',
      '422',
      '429',
      '503',
    ]);
    expect((post.responses as Record<string, { description: string }>)['409']!.description).toBe(
      'Already filed for these months.',
    );
    expect(post['x-required-role']).toBe('grants:write');
    expect(post.parameters).toEqual([expect.objectContaining({ name: 'Idempotency-Key', in: 'header' })]);
    const get = paths['/v1/communities/{communityCode}/grants']!.get!;
    expect(Object.keys(get.responses as object).sort()).toEqual(['200', '400', '401', '403', '429', '503']);
  });

  it('when the document validates requests, then the zod constraints hold at the edge', () => {
    const validator = new OpenApiValidator(document);
    const matched = validator.match('POST', '/v1/grants');
    if (matched === undefined || matched === 'method') throw new Error('no match');
    const check = (body: unknown) =>
      validator.validate(matched, { method: 'POST', query: {}, headers: {}, body, hasBody: true });
    const good = {
      communityCode: '420102001001',
      amount: { fen: 100, currency: 'CNY' },
      months: ['2026-01'],
    };
    expect(check(good)).toEqual([]);
    expect(check({ ...good, amount: { fen: 1.5, currency: 'CNY' } })).toEqual([
      expect.objectContaining({ in: 'body', pointer: '/amount/fen' }),
    ]);
    expect(check({ ...good, extra: 1 })).toEqual([
      { in: 'body', pointer: '/extra', detail: 'is not a known field' },
    ]);
    const list = validator.match('GET', '/v1/communities/420102001001/grants');
    if (list === undefined || list === 'method') throw new Error('no match');
    const query: Record<string, unknown> = { limit: '500' };
    expect(
      validator.validate(list, { method: 'GET', query, headers: {}, body: undefined, hasBody: false }),
    ).toEqual([expect.objectContaining({ in: 'query', pointer: '/limit' })]);
  });

  it('when two operations are inconsistent, then building the document fails at once', () => {
    expect(() =>
      openApiDocument({
        title: 't',
        version: '1',
        description: 't',
        tags: [],
        operations: [fileGrant, fileGrant],
      }),
    ).toThrow('operationId fileGrant is used twice');
    const wrongParams = operation({
      method: 'get',
      path: '/v1/grants/{grantId}',
      operationId: 'readGrant',
      tags: [],
      summary: 's',
      params: z.object({ id: z.uuid() }),
      responses: { 200: { description: 'ok', body: GrantView } },
    });
    expect(() =>
      openApiDocument({ title: 't', version: '1', description: 't', tags: [], operations: [wrongParams] }),
    ).toThrow('readGrant: path parameters grantId but params id');
    const clash = operation({
      method: 'get',
      path: '/v1/other',
      operationId: 'other',
      tags: [],
      summary: 's',
      responses: { 200: { description: 'ok', body: z.object({ x: z.string() }).meta({ id: 'Money' }) } },
    });
    expect(() =>
      openApiDocument({
        title: 't',
        version: '1',
        description: 't',
        tags: [],
        operations: [fileGrant, clash],
      }),
    ).toThrow('two different schemas are both named Money');
  });
});

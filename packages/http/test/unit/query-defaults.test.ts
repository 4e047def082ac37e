import { z } from 'zod';
import { openApiDocument, operation } from '../../src/contract.ts';
import { OpenApiValidator } from '../../src/openapi.ts';

const list = operation({
  method: 'get',
  path: '/v1/things',
  operationId: 'listThings',
  tags: ['things'],
  summary: 'Things',
  query: z.object({ limit: z.int().min(1).max(100).default(20), cursor: z.string().optional() }),
  responses: { 200: { description: 'A page.' } },
});
const validator = new OpenApiValidator(
  openApiDocument({
    title: 't',
    version: '1',
    description: 't',
    tags: [{ name: 'things' }],
    operations: [list],
  }),
);

const check = (query: Record<string, unknown>) => {
  const matched = validator.match('GET', '/v1/things');
  if (!matched || matched === 'method') throw new Error('no match');
  return validator.validate(matched, { method: 'GET', query, headers: {}, body: undefined, hasBody: false });
};

describe('query parameters with a default', () => {
  it('when the request leaves one out, then the handler reads the default its operation declares', () => {
    const query: Record<string, unknown> = {};
    expect(check(query)).toEqual([]);
    expect(query).toEqual({ limit: 20 });
  });

  it('when the request gives one, then its own value is kept, converted to its type', () => {
    const query: Record<string, unknown> = { limit: '7', cursor: 'abc' };
    expect(check(query)).toEqual([]);
    expect(query).toEqual({ limit: 7, cursor: 'abc' });
  });
});

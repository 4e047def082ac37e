import { compileComponentSchema, OpenApiValidator } from '../../src/openapi.ts';

const doc = {
  openapi: '3.1.0',
  info: { title: 't', version: '1' },
  paths: {
    '/v1/things/{thingId}': {
      get: {
        operationId: 'getThing',
        parameters: [
          { name: 'thingId', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z]+$' } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 10 } },
          { name: 'deep', in: 'query', schema: { type: 'boolean' } },
        ],
      },
    },
    '/v1/things': {
      post: {
        operationId: 'createThing',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
        },
      },
    },
    '/v1/public': { get: { operationId: 'publicThing', security: [] } },
  },
  components: {
    schemas: {
      Thing: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: { type: 'string', minLength: 1 },
          tags: { type: 'array', items: { $ref: '#/components/schemas/Tag' } },
        },
      },
      Tag: { type: 'string', enum: ['a', 'b'] },
    },
  },
};

describe('OpenAPI request validation', () => {
  const validator = new OpenApiValidator(doc);

  it('when a path matches a template, then its operation and path parameters are found', () => {
    expect(validator.match('GET', '/v1/things/abc')).toEqual({
      operationId: 'getThing',
      template: '/v1/things/{thingId}',
      pathParams: { thingId: 'abc' },
      public: false,
    });
    expect(validator.match('GET', '/v1/public')).toMatchObject({ public: true });
  });

  it('when the path is unknown or the method is not documented, then it says which', () => {
    expect(validator.match('GET', '/v1/nothing')).toBeUndefined();
    expect(validator.match('DELETE', '/v1/things')).toBe('method');
  });

  it('when query values are text, then they are converted to their schema types before checking', () => {
    const matched = validator.match('GET', '/v1/things/abc');
    if (!matched || matched === 'method') throw new Error('no match');
    const query: Record<string, unknown> = { limit: '5', deep: 'true' };
    expect(
      validator.validate(matched, { method: 'GET', query, headers: {}, body: undefined, hasBody: false }),
    ).toEqual([]);
    expect(query).toEqual({ limit: 5, deep: true });
  });

  it('when parameters break their schemas or are unknown, then each is named', () => {
    const matched = validator.match('GET', '/v1/things/ABC');
    if (!matched || matched === 'method') throw new Error('no match');
    const problems = validator.validate(matched, {
      method: 'GET',
      query: { limit: '50', extra: '1' },
      headers: {},
      body: undefined,
      hasBody: false,
    });
    expect(problems.map((p) => `${p.in} ${p.pointer}`).sort()).toEqual([
      'path /thingId',
      'query /extra',
      'query /limit',
    ]);
  });

  it('when a body breaks the schema, then every field is reported with a JSON Pointer, through $refs', () => {
    const matched = validator.match('POST', '/v1/things');
    if (!matched || matched === 'method') throw new Error('no match');
    const problems = validator.validate(matched, {
      method: 'POST',
      query: {},
      headers: {},
      body: { tags: ['c'], colour: 'red' },
      hasBody: true,
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        { in: 'body', pointer: '/name', detail: 'is required' },
        { in: 'body', pointer: '/colour', detail: 'is not a known field' },
        { in: 'body', pointer: '/tags/0', detail: 'must be one of: a, b' },
      ]),
    );
  });

  it('when a required body is missing, then it is reported', () => {
    const matched = validator.match('POST', '/v1/things');
    if (!matched || matched === 'method') throw new Error('no match');
    expect(
      validator.validate(matched, {
        method: 'POST',
        query: {},
        headers: {},
        body: undefined,
        hasBody: false,
      }),
    ).toEqual([{ in: 'body', pointer: '', detail: 'a JSON body is required' }]);
  });

  it('when one component schema is compiled on its own, then it checks rows with a pointer prefix', () => {
    const check = compileComponentSchema(doc, 'Thing');
    expect(check({ name: 'x' })).toEqual([]);
    expect(check({}, '/rows/3')).toEqual([{ in: 'body', pointer: '/rows/3/name', detail: 'is required' }]);
  });
});

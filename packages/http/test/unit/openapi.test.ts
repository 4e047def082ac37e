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
          { name: 'q', in: 'query', schema: { type: 'string', maxLength: 100 } },
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
          notes: { type: 'string', 'x-text': 'multiline' },
          raw: { type: 'string', 'x-text': 'unchecked' },
          contacts: {
            type: 'array',
            items: { type: 'object', properties: { name: { type: ['string', 'null'] } } },
          },
          when: { type: 'string', format: 'date' },
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

  describe('the text rule, on every string without an enum or a checked format', () => {
    const post = (body: unknown) => {
      const matched = validator.match('POST', '/v1/things');
      if (!matched || matched === 'method') throw new Error('no match');
      return validator.validate(matched, { method: 'POST', query: {}, headers: {}, body, hasBody: true });
    };

    it.each([
      ['U+0000', 'Zhang\u0000San', 'must not contain control characters or line breaks'],
      ['a line feed', 'Zhang\nSan', 'must not contain control characters or line breaks'],
      ['a C1 control', 'Zhang\u0085San', 'must not contain control characters or line breaks'],
      ['an unpaired surrogate', 'Zhang\ud800San', 'must not contain unpaired surrogates'],
      [
        'a right-to-left override',
        'Zhang\u202eSan',
        'must not contain bidirectional override or isolate characters',
      ],
      [
        'a first-strong isolate',
        'Zhang\u2068San',
        'must not contain bidirectional override or isolate characters',
      ],
      ['only spaces', ' \u3000 ', 'must not be blank'],
    ])('when a name holds %s, then the field is named', (_what, name, detail) => {
      expect(post({ name })).toEqual([{ in: 'body', pointer: '/name', detail }]);
    });

    it('when text is ordinary, including characters outside the BMP, then it passes', () => {
      expect(post({ name: '张三 𠀀 O’Brien', notes: 'line one\r\n\tline two' })).toEqual([]);
    });

    it('when a field is multi-line, then tab and line breaks pass and other controls do not', () => {
      expect(post({ name: 'x', notes: 'a\u0000b' })).toEqual([
        {
          in: 'body',
          pointer: '/notes',
          detail: 'must not contain control characters other than tab and line breaks',
        },
      ]);
    });

    it('when a field opts out, or is closed by an enum or a checked format, then the rule leaves it to those', () => {
      expect(post({ name: 'x', raw: '\u0000' })).toEqual([]);
      expect(post({ name: 'x', tags: ['\u0000'] })).toEqual([
        { in: 'body', pointer: '/tags/0', detail: 'must be one of: a, b' },
      ]);
      expect(post({ name: 'x', when: '2024-01-01\u0000' }).map((p) => p.pointer)).toEqual(['/when']);
    });

    it('when the string is nested in an array or nullable, or is a query value, then it is checked there too', () => {
      expect(post({ name: 'x', contacts: [{ name: null }, { name: 'a\u202eb' }] })).toEqual([
        {
          in: 'body',
          pointer: '/contacts/1/name',
          detail: 'must not contain bidirectional override or isolate characters',
        },
      ]);
      const matched = validator.match('GET', '/v1/things/abc');
      if (!matched || matched === 'method') throw new Error('no match');
      expect(
        validator.validate(matched, {
          method: 'GET',
          query: { q: '\u0007' },
          headers: {},
          body: undefined,
          hasBody: false,
        }),
      ).toEqual([
        { in: 'query', pointer: '/q', detail: 'must not contain control characters or line breaks' },
      ]);
    });

    it('when a component schema is compiled on its own, then the same rule applies', () => {
      expect(compileComponentSchema(doc, 'Thing')({ name: '\u0000' }, '/rows/0')).toEqual([
        { in: 'body', pointer: '/rows/0/name', detail: 'must not contain control characters or line breaks' },
      ]);
    });
  });
});

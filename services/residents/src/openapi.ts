import type { OpenApiDocument } from '@employment/kit';
import {
  EDUCATION_LEVELS,
  EMPLOYMENT_STATUSES,
  HARDSHIP_CATEGORIES,
  WORK_CAPACITIES,
} from './domain/vocabulary.ts';

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

const errors = {
  '400': problemResponse('The request is malformed or breaks a rule; `errors` lists each field.'),
  '401': problemResponse('No valid bearer token.'),
  '403': problemResponse('The token lacks the role, or the record lies outside its area scope.'),
  '429': problemResponse('Rate limit reached; see Retry-After.'),
};

const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes a retried POST safe: a repeat with the same key and body returns the first response and changes nothing. Keys are per client and kept 24 hours.',
  schema: { type: 'string', minLength: 8, maxLength: 255 },
};

const communityCodeParam = {
  name: 'communityCode',
  in: 'path',
  required: true,
  description: '12-digit community code (社区).',
  schema: { $ref: '#/components/schemas/CommunityCode' },
};

/** The residents service's HTTP contract; requests are validated against it before any route runs. */
export const openapi: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Residents',
    version: '1.0.0',
    description:
      'The real-name registry (实名制就业管理) of the city employment platform: people, with their national ID numbers stored encrypted and shown masked. Every call needs a bearer token whose `area` claim scopes what the caller may see and change. Errors are RFC 9457 problem details.',
  },
  servers: [{ url: '/' }],
  security: [{ bearerAuth: [] }],
  tags: [{ name: 'residents' }, { name: 'communities' }],
  paths: {
    '/v1/residents': {
      post: {
        operationId: 'registerResident',
        tags: ['residents'],
        summary: 'Register one person (申报登记)',
        description:
          'Validates the national ID (GB 11643), derives sex and birth date from it and refuses a registration that contradicts them. A person already in the registry (whatever the spelling of the number) is refused with 409. Publishes ResidentRegistered. Needs the role `residents:write` and an area scope covering the community.',
        parameters: [idempotencyKey],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/ResidentRegistration' } } },
        },
        responses: {
          '201': {
            description: 'Registered.',
            headers: { Location: { schema: { type: 'string' } } },
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Resident' } } },
          },
          ...errors,
          '409': problemResponse(
            'Already registered; `residentId` names the record when it lies in the caller’s area.',
          ),
          '422': problemResponse('The Idempotency-Key was used with a different request.'),
        },
      },
    },
    '/v1/residents/batch': {
      post: {
        operationId: 'registerResidentsBatch',
        tags: ['residents'],
        summary: 'Register up to 1,000 people at once',
        description:
          'For survey teams and district systems. Each row is checked and stored on its own: the answer has one result per row, in order (`created`, `duplicate`, `invalid` or `forbidden`), so a bad row never blocks the others. Publishes one ResidentRegistered per created row.',
        parameters: [idempotencyKey],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/BatchRegistration' } } },
        },
        responses: {
          '200': {
            description: 'One result per row.',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/BatchResult' } } },
          },
          ...errors,
          '422': problemResponse('The Idempotency-Key was used with a different request.'),
        },
      },
    },
    '/v1/residents/{residentId}': {
      get: {
        operationId: 'getResident',
        tags: ['residents'],
        summary: 'Read one person',
        description:
          'A person outside the caller’s area scope is answered 404, as if absent. The read is audited.',
        parameters: [
          { name: 'residentId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
        ],
        responses: {
          '200': {
            description: 'The person.',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Resident' } } },
          },
          ...errors,
          '404': problemResponse('No such person in the caller’s area.'),
        },
      },
    },
    '/v1/communities/{communityCode}/residents': {
      get: {
        operationId: 'listCommunityResidents',
        tags: ['communities'],
        summary: 'List the people of a community, in registration order',
        description:
          'Cursor pagination: pass `nextCursor` back as `cursor` for the next page. The read is audited.',
        parameters: [
          communityCodeParam,
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
          { name: 'cursor', in: 'query', schema: { type: 'string', maxLength: 200 } },
          {
            name: 'employmentStatus',
            in: 'query',
            schema: { type: 'string', enum: [...EMPLOYMENT_STATUSES] },
          },
        ],
        responses: {
          '200': {
            description: 'A page.',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/ResidentPage' } } },
          },
          ...errors,
          '404': problemResponse('The community lies outside the caller’s area.'),
        },
      },
    },
    '/v1/communities/{communityCode}/statistics': {
      get: {
        operationId: 'getCommunityStatistics',
        tags: ['communities'],
        summary: 'Registration counts of a community',
        description:
          'Kept up to date from the registry’s own events (eventually consistent, usually within a second).',
        parameters: [communityCodeParam],
        responses: {
          '200': {
            description: 'Counters.',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/CommunityStatistics' } } },
          },
          ...errors,
          '404': problemResponse('The community lies outside the caller’s area.'),
        },
      },
    },
  },
  components: {
    securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    schemas: {
      CommunityCode: { type: 'string', pattern: '^[0-9]{12}$', examples: ['420102001001'] },
      NationalId: {
        type: 'string',
        minLength: 18,
        maxLength: 40,
        description:
          '18-character national ID number (GB 11643). Spaces, hyphens and full-width digits are accepted and normalized.',
      },
      EmploymentStatus: { type: 'string', enum: [...EMPLOYMENT_STATUSES] },
      Education: { type: 'string', enum: [...EDUCATION_LEVELS] },
      WorkCapacity: { type: 'string', enum: [...WORK_CAPACITIES] },
      HardshipCategory: { type: 'string', enum: [...HARDSHIP_CATEGORIES] },
      ResidentRegistration: {
        type: 'object',
        additionalProperties: false,
        required: ['nationalId', 'fullName', 'communityCode', 'employmentStatus'],
        properties: {
          nationalId: { $ref: '#/components/schemas/NationalId' },
          fullName: { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S' },
          communityCode: { $ref: '#/components/schemas/CommunityCode' },
          sex: {
            type: 'string',
            enum: ['male', 'female'],
            description: 'Optional; must agree with the ID number.',
          },
          birthDate: {
            type: 'string',
            format: 'date',
            description: 'Optional; must agree with the ID number.',
          },
          phone: { type: 'string', pattern: '^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$' },
          address: { type: 'string', maxLength: 200 },
          employmentStatus: { $ref: '#/components/schemas/EmploymentStatus' },
          education: { $ref: '#/components/schemas/Education' },
          workCapacity: { $ref: '#/components/schemas/WorkCapacity' },
          hardshipCategories: {
            type: 'array',
            uniqueItems: true,
            maxItems: 6,
            items: { $ref: '#/components/schemas/HardshipCategory' },
          },
          skills: { type: 'array', maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 60 } },
          occupation: { type: 'string', maxLength: 100 },
          householdId: { type: 'string', format: 'uuid' },
        },
      },
      Resident: {
        type: 'object',
        required: [
          'id',
          'nationalIdMasked',
          'fullName',
          'communityCode',
          'sex',
          'birthDate',
          'employmentStatus',
          'createdAt',
        ],
        properties: {
          id: { type: 'string', format: 'uuid' },
          nationalIdMasked: { type: 'string', examples: ['420102********123X'] },
          fullName: { type: 'string' },
          communityCode: { $ref: '#/components/schemas/CommunityCode' },
          sex: { type: 'string', enum: ['male', 'female'] },
          birthDate: { type: 'string', format: 'date' },
          phone: { type: ['string', 'null'] },
          address: { type: ['string', 'null'] },
          employmentStatus: { $ref: '#/components/schemas/EmploymentStatus' },
          education: { oneOf: [{ $ref: '#/components/schemas/Education' }, { type: 'null' }] },
          workCapacity: { $ref: '#/components/schemas/WorkCapacity' },
          hardshipCategories: { type: 'array', items: { $ref: '#/components/schemas/HardshipCategory' } },
          skills: { type: 'array', items: { type: 'string' } },
          occupation: { type: ['string', 'null'] },
          householdId: { type: ['string', 'null'] },
          version: { type: 'integer' },
          createdAt: { type: 'string', format: 'date-time' },
          updatedAt: { type: 'string', format: 'date-time' },
        },
      },
      BatchRegistration: {
        type: 'object',
        additionalProperties: false,
        required: ['residents'],
        properties: {
          residents: {
            type: 'array',
            minItems: 1,
            maxItems: 1000,
            description: 'Rows are ResidentRegistration objects, each checked on its own.',
            items: { type: 'object' },
          },
        },
      },
      BatchRowResult: {
        type: 'object',
        required: ['index', 'status'],
        properties: {
          index: { type: 'integer' },
          status: { type: 'string', enum: ['created', 'duplicate', 'invalid', 'forbidden'] },
          residentId: { type: 'string', format: 'uuid' },
          problem: { $ref: '#/components/schemas/Problem' },
        },
      },
      BatchResult: {
        type: 'object',
        required: ['summary', 'results'],
        properties: {
          summary: {
            type: 'object',
            properties: {
              received: { type: 'integer' },
              created: { type: 'integer' },
              duplicate: { type: 'integer' },
              invalid: { type: 'integer' },
              forbidden: { type: 'integer' },
            },
          },
          results: { type: 'array', items: { $ref: '#/components/schemas/BatchRowResult' } },
        },
      },
      ResidentPage: {
        type: 'object',
        required: ['items', 'nextCursor'],
        properties: {
          items: { type: 'array', items: { $ref: '#/components/schemas/Resident' } },
          nextCursor: { type: ['string', 'null'] },
        },
      },
      CommunityStatistics: {
        type: 'object',
        required: ['communityCode', 'registered', 'byEmploymentStatus'],
        properties: {
          communityCode: { $ref: '#/components/schemas/CommunityCode' },
          registered: { type: 'integer' },
          byEmploymentStatus: { type: 'object', additionalProperties: { type: 'integer' } },
          updatedAt: { type: ['string', 'null'], format: 'date-time' },
        },
      },
      Problem: {
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
      },
    },
  },
};

import { AREA_LEVELS } from '../domain/vocabulary.ts';
import {
  areaCodeParam,
  body,
  conflict,
  cursorParam,
  dateTime,
  errors,
  idempotencyKey,
  keyReused,
  limitParam,
  notFound,
  ok,
  pageOf,
  ref,
  text,
  versionField,
} from './common.ts';

export const areaSchemas = {
  AreaCode: {
    type: 'string',
    pattern: '^[0-9]{4}([0-9]{2}([0-9]{3}([0-9]{3}([0-9]{3})?)?)?)?$',
    examples: ['4201', '420102', '420102001', '420102001001', '420102001001001'],
  },
  AreaLevel: { type: 'string', enum: [...AREA_LEVELS] },
  Area: {
    type: 'object',
    required: ['code', 'level', 'name', 'parentCode', 'path', 'childCount', 'version'],
    properties: {
      code: ref('AreaCode'),
      level: ref('AreaLevel'),
      name: { type: 'string' },
      parentCode: { type: ['string', 'null'] },
      path: {
        type: 'array',
        description: 'The areas above, from the city down.',
        items: {
          type: 'object',
          properties: { code: { type: 'string' }, level: ref('AreaLevel'), name: { type: 'string' } },
        },
      },
      childCount: { type: 'integer' },
      version: { type: 'integer' },
      updatedAt: dateTime,
    },
  },
  AreaPage: pageOf('Area'),
  AreaDefinition: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: text(100),
      version: { ...versionField, description: 'For a rename: the version read (optional).' },
    },
  },
  AreaRow: {
    type: 'object',
    additionalProperties: false,
    required: ['code', 'name'],
    description:
      'One node of the tree. The level and the parent follow from the code (a building is its community’s code and 3 digits); when given they must agree.',
    properties: {
      code: ref('AreaCode'),
      name: text(100),
      level: ref('AreaLevel'),
      parentCode: { type: ['string', 'null'] },
    },
  },
  AreaBatch: {
    type: 'object',
    additionalProperties: false,
    required: ['areas'],
    properties: {
      areas: {
        type: 'array',
        minItems: 1,
        maxItems: 1000,
        description: 'AreaRow objects, parents before children; each checked on its own.',
        items: { type: 'object' },
      },
    },
  },
  AreaBatchResult: {
    type: 'object',
    required: ['summary', 'results'],
    properties: {
      summary: {
        type: 'object',
        properties: {
          received: { type: 'integer' },
          created: { type: 'integer' },
          renamed: { type: 'integer' },
          unchanged: { type: 'integer' },
          invalid: { type: 'integer' },
          forbidden: { type: 'integer' },
        },
      },
      results: {
        type: 'array',
        items: {
          type: 'object',
          required: ['index', 'status'],
          properties: {
            index: { type: 'integer' },
            code: { type: 'string' },
            status: { type: 'string', enum: ['created', 'renamed', 'unchanged', 'invalid', 'forbidden'] },
            problem: ref('Problem'),
          },
        },
      },
    },
  },
  AreaStatistics: {
    type: 'object',
    required: ['areaCode', 'communities', 'registered', 'households'],
    properties: {
      areaCode: ref('AreaCode'),
      communities: { type: 'integer', description: 'Communities with any counter.' },
      registered: { type: 'integer' },
      byEmploymentStatus: { type: 'object', additionalProperties: { type: 'integer' } },
      households: { type: 'integer' },
      zeroEmploymentHouseholds: { type: 'integer' },
      doubleUnemployedHouseholds: { type: 'integer' },
      surveys: { type: 'integer' },
      year: { type: 'integer' },
      surveyedHouseholds: { type: 'integer', description: 'Households with a completed survey in `year`.' },
      surveyCoverage: {
        type: ['number', 'null'],
        description: 'Household survey rate (入户调查率) of `year`: surveyed households / households.',
      },
      certificatesIssued: { type: 'integer' },
      certificatesActive: { type: 'integer' },
      deliveries: { type: 'object', additionalProperties: { type: 'integer' } },
      openWarnings: { type: 'integer' },
    },
  },
};

export const areaPaths = {
  '/v1/areas': {
    get: {
      operationId: 'listAreaEntryPoints',
      tags: ['areas'],
      summary: 'The areas the caller’s scope starts from',
      description: 'For a city-wide caller the cities; otherwise the nodes named by its area claim.',
      responses: {
        ...ok('The nodes.', { type: 'object', properties: { items: { type: 'array', items: ref('Area') } } }),
        ...errors,
      },
    },
  },
  '/v1/areas/batch': {
    post: {
      operationId: 'importAreas',
      tags: ['areas'],
      summary: 'Import up to 1,000 nodes of the administrative tree',
      description:
        'City (市), districts (区), streets (街道), communities (社区) and buildings (楼院), parents before children. Each row gets its own result: `created`, `renamed` (same code, new name), `unchanged`, `invalid` or `forbidden`; rerunning a file is harmless, and a retry with the same `Idempotency-Key` answers what a failed attempt defined or renamed as `created` or `renamed`. Each row gets what `PUT /v1/areas/{code}` would answer. Publishes AreaDefined / AreaChanged. Role `areas:write`, area covering each node.',
      parameters: [idempotencyKey],
      requestBody: body(ref('AreaBatch')),
      responses: { ...ok('One result per row.', ref('AreaBatchResult')), ...errors, ...keyReused },
    },
  },
  '/v1/areas/{areaCode}': {
    get: {
      operationId: 'getArea',
      tags: ['areas'],
      summary: 'Read a node of the tree',
      description: 'Visible: nodes inside the caller’s scope and the ones above it.',
      parameters: [areaCodeParam],
      responses: { ...ok('The node.', ref('Area')), ...errors, ...notFound('No such area') },
    },
    put: {
      operationId: 'defineArea',
      tags: ['areas'],
      summary: 'Define a node, or rename it',
      description:
        'Its parent must exist. 201 when defined, 200 when renamed or unchanged. Publishes AreaDefined / AreaChanged. Role `areas:write`.',
      parameters: [areaCodeParam],
      requestBody: body(ref('AreaDefinition')),
      responses: {
        ...ok('Renamed or unchanged.', ref('Area')),
        ...ok('Defined.', ref('Area'), '201'),
        ...errors,
        ...conflict('The version is stale.'),
      },
    },
  },
  '/v1/areas/{areaCode}/children': {
    get: {
      operationId: 'listAreaChildren',
      tags: ['areas'],
      summary: 'The nodes under an area, in code order',
      parameters: [areaCodeParam, limitParam, cursorParam],
      responses: { ...ok('A page.', ref('AreaPage')), ...errors, ...notFound('No such area') },
    },
  },
  '/v1/areas/{areaCode}/statistics': {
    get: {
      operationId: 'getAreaStatistics',
      tags: ['areas'],
      summary: 'Counters of every community under an area, added up, with the survey coverage of a year',
      description: 'From the per-community counters kept from events (no scan of the registry).',
      parameters: [
        areaCodeParam,
        { name: 'year', in: 'query', schema: { type: 'integer', minimum: 2000, maximum: 2100 } },
      ],
      responses: { ...ok('Counters.', ref('AreaStatistics')), ...errors, ...notFound('No such area') },
    },
  },
};

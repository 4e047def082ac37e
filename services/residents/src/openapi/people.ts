import {
  EDUCATION_LEVELS,
  EMPLOYMENT_STATUSES,
  HARDSHIP_CATEGORIES,
  HOUSEHOLD_RELATIONS,
  WORK_CAPACITIES,
} from '../domain/vocabulary.ts';
import {
  body,
  communityCodeParam,
  conflict,
  cursorParam,
  dateTime,
  errors,
  idempotencyKey,
  keyReused,
  limitParam,
  notFound,
  nullable,
  ok,
  pageOf,
  problemResponse,
  ref,
  text,
  uuidParam,
  versionField,
} from './common.ts';

const residentId = uuidParam('residentId', 'The person’s id.');

/** What a person declares, shared by registration, household import and profile changes. */
export const declaredProfile = {
  fullName: text(100),
  phone: { type: 'string', pattern: '^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$' },
  address: { type: 'string', maxLength: 200 },
  education: ref('Education'),
  workCapacity: ref('WorkCapacity'),
  hardshipCategories: {
    type: 'array',
    uniqueItems: true,
    maxItems: 6,
    items: ref('HardshipCategory'),
    description: '`4050` is added or removed by age and sex; `zero-employment-household` cannot be declared.',
  },
  skills: { type: 'array', maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 60 } },
  occupation: { type: 'string', maxLength: 100 },
};

const registrationProperties = {
  nationalId: ref('NationalId'),
  ...declaredProfile,
  sex: { type: 'string', enum: ['male', 'female'], description: 'Optional; must agree with the ID number.' },
  birthDate: { type: 'string', format: 'date', description: 'Optional; must agree with the ID number.' },
  employmentStatus: ref('EmploymentStatus'),
};

export const peopleSchemas = {
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
  HouseholdRelation: {
    type: 'string',
    enum: [...HOUSEHOLD_RELATIONS],
    description: 'Relation to the head of the household (与户主关系).',
  },
  ResidentRegistration: {
    type: 'object',
    additionalProperties: false,
    required: ['nationalId', 'fullName', 'communityCode', 'employmentStatus'],
    properties: {
      ...registrationProperties,
      communityCode: ref('CommunityCode'),
      householdId: {
        type: 'string',
        format: 'uuid',
        description: 'An existing household of the same community the person joins.',
      },
      householdRelation: ref('HouseholdRelation'),
    },
  },
  HouseholdMemberRegistration: {
    type: 'object',
    additionalProperties: false,
    required: ['nationalId', 'fullName', 'employmentStatus', 'relation'],
    description: 'A person registered with their household: the household’s community is theirs.',
    properties: { ...registrationProperties, relation: ref('HouseholdRelation') },
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
      'employmentStatusSince',
      'version',
      'createdAt',
    ],
    properties: {
      id: { type: 'string', format: 'uuid' },
      nationalIdMasked: { type: 'string', examples: ['420102********123X'] },
      fullName: { type: 'string' },
      communityCode: ref('CommunityCode'),
      sex: { type: 'string', enum: ['male', 'female'] },
      birthDate: { type: 'string', format: 'date' },
      phone: { type: ['string', 'null'] },
      address: { type: ['string', 'null'] },
      employmentStatus: ref('EmploymentStatus'),
      employmentStatusSince: dateTime,
      placementId: {
        type: ['string', 'null'],
        description: 'The jobs placement behind an `employed` status.',
      },
      education: nullable(ref('Education')),
      workCapacity: ref('WorkCapacity'),
      hardshipCategories: { type: 'array', items: ref('HardshipCategory') },
      skills: { type: 'array', items: { type: 'string' } },
      occupation: { type: ['string', 'null'] },
      householdId: { type: ['string', 'null'] },
      householdRelation: nullable(ref('HouseholdRelation')),
      version: { type: 'integer' },
      createdAt: dateTime,
      updatedAt: dateTime,
    },
  },
  ProfileChange: {
    type: 'object',
    additionalProperties: false,
    required: ['version'],
    minProperties: 2,
    description:
      'The fields to change (others stay as they are); `null` clears an optional field. Moving a person to another community (`communityCode`) needs an area covering it, and the person outside any household.',
    properties: {
      version: versionField,
      ...declaredProfile,
      phone: nullable(declaredProfile.phone),
      address: nullable(declaredProfile.address),
      education: nullable(ref('Education')),
      occupation: nullable(declaredProfile.occupation),
      communityCode: ref('CommunityCode'),
    },
  },
  EmploymentStatusChange: {
    type: 'object',
    additionalProperties: false,
    required: ['status', 'version'],
    properties: {
      version: versionField,
      status: ref('EmploymentStatus'),
      since: {
        type: 'string',
        format: 'date-time',
        description:
          'When the new status began (default: now); not in the future, not before the current status began.',
      },
      reason: { type: 'string', maxLength: 200, examples: ['survey', 'declaration', 'placement'] },
      placementId: {
        type: 'string',
        maxLength: 100,
        description:
          'The jobs placement behind the status: one of the person’s own, known to the registry from PlacementMade (404 when the caller’s area cannot see it, 400 when it is someone else’s).',
      },
    },
  },
  EmploymentPeriod: {
    type: 'object',
    required: ['status', 'since', 'recordedBy'],
    properties: {
      status: ref('EmploymentStatus'),
      since: dateTime,
      reason: { type: ['string', 'null'] },
      placementId: { type: ['string', 'null'] },
      recordedBy: { type: 'string' },
      recordedAt: { type: ['string', 'null'], format: 'date-time' },
    },
  },
  EmploymentHistory: {
    type: 'object',
    required: ['residentId', 'periods'],
    properties: {
      residentId: { type: 'string', format: 'uuid' },
      periods: { type: 'array', items: ref('EmploymentPeriod') },
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
      problem: ref('Problem'),
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
      results: { type: 'array', items: ref('BatchRowResult') },
    },
  },
  ResidentPage: pageOf('Resident'),
  CommunityStatistics: {
    type: 'object',
    required: ['communityCode', 'registered', 'byEmploymentStatus'],
    properties: {
      communityCode: ref('CommunityCode'),
      registered: { type: 'integer' },
      byEmploymentStatus: { type: 'object', additionalProperties: { type: 'integer' } },
      households: { type: 'integer' },
      zeroEmploymentHouseholds: { type: 'integer' },
      doubleUnemployedHouseholds: { type: 'integer' },
      surveys: { type: 'integer' },
      surveyedHouseholds: {
        type: 'object',
        description: 'Households with a completed survey, by year.',
        additionalProperties: { type: 'integer' },
      },
      certificatesIssued: { type: 'integer' },
      certificatesActive: { type: 'integer' },
      deliveries: { type: 'object', additionalProperties: { type: 'integer' } },
      openWarnings: { type: 'integer' },
      updatedAt: { type: ['string', 'null'], format: 'date-time' },
    },
  },
};

export const peoplePaths = {
  '/v1/residents': {
    post: {
      operationId: 'registerResident',
      tags: ['residents'],
      summary: 'Register one person (申报登记)',
      description:
        'Validates the national ID (GB 11643), derives sex and birth date from it and refuses a registration that contradicts them. The community must be a community of the area tree. A person already in the registry (whatever the spelling of the number) is refused with 409, said the same whichever area holds them (an attempt on someone of another area is audited for that area); a retry with the same `Idempotency-Key` of a request whose earlier attempt stored the person answers 201 with them. With `householdId` the person joins that household (same community). Publishes ResidentRegistered. Role `residents:write`, area covering the community.',
      parameters: [idempotencyKey],
      requestBody: body(ref('ResidentRegistration')),
      responses: {
        '201': {
          description: 'Registered.',
          headers: { Location: { schema: { type: 'string' } } },
          content: { 'application/json': { schema: ref('Resident') } },
        },
        ...errors,
        ...conflict('Already registered; `residentId` names the record when it lies in the caller’s area.'),
        ...keyReused,
      },
    },
  },
  '/v1/residents/batch': {
    post: {
      operationId: 'registerResidentsBatch',
      tags: ['residents'],
      summary: 'Register up to 1,000 people at once',
      description:
        'For survey teams and district systems. Each row is checked and stored on its own: the answer has one result per row, in order (`created`, `duplicate`, `invalid` or `forbidden`), so a bad row never blocks the others. A row gets the answer its single `POST /v1/residents` would get (a household of another area or community, a second head of one household: refused). Retried with the same `Idempotency-Key` after a failed attempt, rows that attempt stored are `created`. Publishes one ResidentRegistered per created row. People with their households go through `POST /v1/households/batch`.',
      parameters: [idempotencyKey],
      requestBody: body(ref('BatchRegistration')),
      responses: { ...ok('One result per row.', ref('BatchResult')), ...errors, ...keyReused },
    },
  },
  '/v1/residents/lookup': {
    post: {
      operationId: 'lookupResident',
      tags: ['residents'],
      summary: 'Find a person by national ID number',
      description:
        'The number travels in the body, never in a URL. Found through the keyed hash, whatever the spelling; 404 when absent or outside the caller’s area. Audited. Role `residents:read`.',
      requestBody: body({
        type: 'object',
        additionalProperties: false,
        required: ['nationalId'],
        properties: { nationalId: ref('NationalId') },
      }),
      responses: { ...ok('The person.', ref('Resident')), ...errors, ...notFound('No such person') },
    },
  },
  '/v1/residents/{residentId}': {
    get: {
      operationId: 'getResident',
      tags: ['residents'],
      summary: 'Read one person',
      description:
        'A person outside the caller’s area scope is answered 404, as if absent. The read is audited.',
      parameters: [residentId],
      responses: { ...ok('The person.', ref('Resident')), ...errors, ...notFound('No such person') },
    },
    patch: {
      operationId: 'updateResidentProfile',
      tags: ['residents'],
      summary: 'Change what a person declared',
      description:
        'Version-guarded: `version` must be the one read, else 409 with `currentVersion`. Publishes ResidentProfileChanged with the whole profile; a change of work capacity recomputes the household. Audited with the fields before and after. Role `residents:write`.',
      parameters: [residentId],
      requestBody: body(ref('ProfileChange')),
      responses: {
        ...ok('The person after the change.', ref('Resident')),
        ...errors,
        ...notFound('No such person'),
        ...conflict('The version is stale, or a move was asked for a member of a household.'),
      },
    },
  },
  '/v1/residents/{residentId}/employment-status': {
    post: {
      operationId: 'changeEmploymentStatus',
      tags: ['residents'],
      summary: 'Record a new employment status',
      description:
        'Appends to the person’s employment history and publishes EmploymentStatusChanged; then the household’s status is derived again (it may become zero-employment, which raises a warning, or stop being one, which resolves it). Version-guarded. Role `residents:write`.',
      parameters: [idempotencyKey, residentId],
      requestBody: body(ref('EmploymentStatusChange')),
      responses: {
        ...ok('The person after the change.', ref('Resident')),
        ...errors,
        ...notFound('No such person, or no such placement, in the caller’s area'),
        ...conflict('The version is stale.'),
        ...keyReused,
      },
    },
  },
  '/v1/residents/{residentId}/employment-history': {
    get: {
      operationId: 'getEmploymentHistory',
      tags: ['residents'],
      summary: 'A person’s employment statuses, oldest first',
      parameters: [residentId],
      responses: {
        ...ok('The history.', ref('EmploymentHistory')),
        ...errors,
        ...notFound('No such person'),
      },
    },
  },
  '/v1/residents/{residentId}/certificates': {
    get: {
      operationId: 'listResidentCertificates',
      tags: ['certificates'],
      summary: 'A person’s certificates and applications',
      parameters: [residentId, limitParam, cursorParam],
      responses: { ...ok('A page.', ref('CertificatePage')), ...errors, ...notFound('No such person') },
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
        limitParam,
        cursorParam,
        { name: 'employmentStatus', in: 'query', schema: ref('EmploymentStatus') },
      ],
      responses: {
        ...ok('A page.', ref('ResidentPage')),
        ...errors,
        '404': problemResponse('The community lies outside the caller’s area.'),
      },
    },
  },
  '/v1/communities/{communityCode}/statistics': {
    get: {
      operationId: 'getCommunityStatistics',
      tags: ['communities'],
      summary: 'Counters of a community',
      description:
        'Kept up to date from the registry’s own events (eventually consistent, usually within a second): people by status, households, zero-employment and double-unemployed households, surveys, certificates, help delivered, open warnings.',
      parameters: [communityCodeParam],
      responses: {
        ...ok('Counters.', ref('CommunityStatistics')),
        ...errors,
        '404': problemResponse('The community lies outside the caller’s area.'),
      },
    },
  },
};

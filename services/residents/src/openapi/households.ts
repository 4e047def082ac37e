import { SERVICE_KINDS, SERVICE_OUTCOMES, SURVEY_NEEDS, SURVEY_OUTCOMES } from '../domain/vocabulary.ts';
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
  nullableDateTime,
  ok,
  pageOf,
  problemResponse,
  ref,
  text,
  uuidParam,
} from './common.ts';

const householdId = uuidParam('householdId', 'The household’s id.');

const staff = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name: text(60), staffId: { type: 'string', maxLength: 60 } },
};

export const householdSchemas = {
  HouseholdCreation: {
    type: 'object',
    additionalProperties: false,
    required: ['communityCode'],
    properties: {
      id: { type: 'string', format: 'uuid', description: 'A client-chosen id (optional).' },
      communityCode: ref('CommunityCode'),
      buildingCode: {
        type: 'string',
        pattern: '^[0-9]{15}$',
        description: 'A building (楼院) of the community.',
      },
      address: { type: 'string', maxLength: 200 },
      members: {
        type: 'array',
        maxItems: 30,
        description: 'People already registered in the community, who join the household.',
        items: ref('MembershipRequest'),
      },
    },
  },
  MembershipRequest: {
    type: 'object',
    additionalProperties: false,
    required: ['residentId', 'relation'],
    properties: { residentId: { type: 'string', format: 'uuid' }, relation: ref('HouseholdRelation') },
  },
  HouseholdImportRow: {
    type: 'object',
    additionalProperties: false,
    required: ['communityCode', 'members'],
    properties: {
      id: {
        type: 'string',
        format: 'uuid',
        description: 'The household’s id, chosen by the file, so a rerun finds what a first run stored.',
      },
      communityCode: ref('CommunityCode'),
      buildingCode: { type: 'string', pattern: '^[0-9]{15}$' },
      address: { type: 'string', maxLength: 200 },
      members: { type: 'array', minItems: 1, maxItems: 30, items: ref('HouseholdMemberRegistration') },
    },
  },
  HouseholdBatch: {
    type: 'object',
    additionalProperties: false,
    required: ['households'],
    properties: {
      households: {
        type: 'array',
        minItems: 1,
        maxItems: 1000,
        description: 'HouseholdImportRow objects, each checked on its own; 1,000 people at most in all.',
        items: { type: 'object' },
      },
    },
  },
  HouseholdBatchResult: {
    type: 'object',
    required: ['summary', 'results'],
    properties: {
      summary: {
        type: 'object',
        properties: {
          received: { type: 'integer' },
          created: { type: 'integer' },
          duplicate: { type: 'integer', description: 'Reruns into a household of the caller’s that exists.' },
          conflict: {
            type: 'integer',
            description: 'Rows naming a household that exists and is not the caller’s to add to (409).',
          },
          invalid: { type: 'integer' },
          forbidden: { type: 'integer' },
          people: {
            type: 'object',
            properties: {
              created: { type: 'integer' },
              linked: { type: 'integer' },
              duplicate: { type: 'integer' },
              invalid: { type: 'integer' },
            },
          },
        },
      },
      results: {
        type: 'array',
        items: {
          type: 'object',
          required: ['index', 'status'],
          properties: {
            index: { type: 'integer' },
            status: { type: 'string', enum: ['created', 'duplicate', 'conflict', 'invalid', 'forbidden'] },
            householdId: { type: 'string' },
            problem: ref('Problem'),
            members: {
              type: 'array',
              items: {
                type: 'object',
                required: ['index', 'status'],
                properties: {
                  index: { type: 'integer' },
                  status: { type: 'string', enum: ['created', 'linked', 'duplicate', 'invalid'] },
                  residentId: { type: 'string' },
                  problem: ref('Problem'),
                },
              },
            },
          },
        },
      },
    },
  },
  Household: {
    type: 'object',
    required: [
      'id',
      'communityCode',
      'members',
      'zeroEmployment',
      'doubleUnemployed',
      'statusSince',
      'version',
    ],
    properties: {
      id: { type: 'string', format: 'uuid' },
      communityCode: ref('CommunityCode'),
      buildingCode: { type: ['string', 'null'] },
      address: { type: ['string', 'null'] },
      members: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            residentId: { type: 'string' },
            fullName: { type: 'string' },
            relation: ref('HouseholdRelation'),
            employmentStatus: ref('EmploymentStatus'),
            workCapacity: ref('WorkCapacity'),
            countsForEmployment: { type: 'boolean', description: 'Of working age and able to work.' },
          },
        },
      },
      zeroEmployment: { type: 'boolean', description: 'Zero-employment household (零就业家庭).' },
      doubleUnemployed: { type: 'boolean', description: 'Head and spouse both looking for work (双失业).' },
      statusSince: dateTime,
      placementDueAt: nullableDateTime,
      statusHistory: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            zeroEmployment: { type: 'boolean' },
            doubleUnemployed: { type: 'boolean' },
            since: dateTime,
            version: { type: 'integer' },
            reason: { type: 'string' },
          },
        },
      },
      surveyedYears: { type: 'array', items: { type: 'integer' } },
      lastSurveyedAt: nullableDateTime,
      version: { type: 'integer' },
      createdAt: dateTime,
      updatedAt: dateTime,
    },
  },
  HouseholdPage: pageOf('Household'),
  SurveyVisit: {
    type: 'object',
    additionalProperties: false,
    required: ['visitedAt', 'visitedBy', 'outcome'],
    properties: {
      visitedAt: { type: 'string', format: 'date-time' },
      visitedBy: staff,
      outcome: { type: 'string', enum: [...SURVEY_OUTCOMES] },
      findings: {
        type: 'object',
        additionalProperties: false,
        properties: {
          summary: { type: 'string', maxLength: 500 },
          needs: { type: 'array', uniqueItems: true, items: { type: 'string', enum: [...SURVEY_NEEDS] } },
          membersPresent: { type: 'integer', minimum: 0, maximum: 30 },
          notes: {
            type: 'string',
            maxLength: 2000,
            'x-text': 'multiline',
            description: 'The visit in the caseworker’s words; may span several lines.',
          },
        },
      },
    },
  },
  Survey: {
    type: 'object',
    required: ['id', 'householdId', 'visitedAt', 'outcome'],
    properties: {
      id: { type: 'string' },
      householdId: { type: 'string' },
      communityCode: ref('CommunityCode'),
      visitedAt: dateTime,
      year: { type: 'integer' },
      visitedBy: { type: 'object' },
      outcome: { type: 'string', enum: [...SURVEY_OUTCOMES] },
      findings: { type: 'object' },
      recordedBy: { type: 'string' },
      createdAt: dateTime,
    },
  },
  SurveyPage: pageOf('Survey'),
  TrackingCard: {
    type: 'object',
    required: ['id', 'householdId', 'deliveries'],
    properties: {
      id: { type: 'string' },
      householdId: { type: 'string' },
      communityCode: ref('CommunityCode'),
      openedAt: dateTime,
      openedBy: { type: 'string' },
      deliveries: {
        type: 'object',
        description: 'How much help of each kind was delivered.',
        properties: Object.fromEntries(SERVICE_KINDS.map((k) => [k, { type: 'integer' }])),
      },
      lastDeliveredAt: nullableDateTime,
      version: { type: 'integer' },
    },
  },
  ServiceDeliveryInput: {
    type: 'object',
    additionalProperties: false,
    required: ['kind', 'deliveredAt', 'deliveredBy', 'description', 'outcome'],
    properties: {
      kind: {
        type: 'string',
        enum: [...SERVICE_KINDS],
        description: 'Policy, job offer, skills, service (送政策、送岗位、送技能、送服务).',
      },
      deliveredAt: { type: 'string', format: 'date-time' },
      deliveredBy: staff,
      residentId: { type: 'string', format: 'uuid', description: 'The member helped, if one.' },
      description: text(500),
      outcome: { type: 'string', enum: [...SERVICE_OUTCOMES] },
      outcomeNote: { type: 'string', maxLength: 500 },
    },
  },
  ServiceDelivery: {
    type: 'object',
    required: ['id', 'kind', 'deliveredAt', 'outcome'],
    properties: {
      id: { type: 'string' },
      cardId: { type: 'string' },
      householdId: { type: 'string' },
      residentId: { type: ['string', 'null'] },
      communityCode: ref('CommunityCode'),
      kind: { type: 'string', enum: [...SERVICE_KINDS] },
      deliveredAt: dateTime,
      deliveredBy: { type: 'object' },
      description: { type: 'string' },
      outcome: { type: 'string', enum: [...SERVICE_OUTCOMES] },
      outcomeNote: { type: ['string', 'null'] },
      recordedBy: { type: 'string' },
      createdAt: dateTime,
    },
  },
  ServiceDeliveryPage: pageOf('ServiceDelivery'),
};

export const householdPaths = {
  '/v1/households': {
    post: {
      operationId: 'createHousehold',
      tags: ['households'],
      summary: 'Register a household (家庭/户)',
      description:
        'In a community of the tree (and a building of it, if given); registered people of the same community can join at once. Without an `id`, a request with an `Idempotency-Key` gets the same one on every attempt, so a retry after a failed attempt finds the household that attempt created. Publishes HouseholdRegistered and HouseholdStatusChanged (version 1). Role `residents:write`.',
      parameters: [idempotencyKey],
      requestBody: body(ref('HouseholdCreation')),
      responses: {
        ...ok('Registered.', ref('Household'), '201'),
        ...errors,
        ...conflict('The id is taken, or a member belongs to another household.'),
        '422': problemResponse('A member lives in another community, or the Idempotency-Key was reused.'),
      },
    },
  },
  '/v1/households/batch': {
    post: {
      operationId: 'registerHouseholdsBatch',
      tags: ['households'],
      summary: 'Register households with their people (survey sheets, district systems)',
      description:
        'Up to 1,000 households and 1,000 people per request. The people are registered first, each checked on its own; then every household with the members stored. A household with an invalid member is refused whole. Each row is held to what the single requests enforce: an `id` naming a household that exists is refused with 409 (`conflict`, nothing of the row stored) unless it is the caller’s own household of the row’s community, which a rerun adds to (`duplicate`) under the rules of `POST /v1/households/{id}/members` (one head); people a first run stored there are `linked`. Retried with the same `Idempotency-Key` after a failed attempt, rows and people that attempt stored are `created`. Status is derived on the spot: a zero-employment household raises its warning and gets a tracking card.',
      parameters: [idempotencyKey],
      requestBody: body(ref('HouseholdBatch')),
      responses: {
        ...ok('One result per household and member.', ref('HouseholdBatchResult')),
        ...errors,
        ...keyReused,
      },
    },
  },
  '/v1/households/{householdId}': {
    get: {
      operationId: 'getHousehold',
      tags: ['households'],
      summary: 'Read a household: members, derived status and its history',
      parameters: [householdId],
      responses: { ...ok('The household.', ref('Household')), ...errors, ...notFound('No such household') },
    },
  },
  '/v1/households/{householdId}/members': {
    post: {
      operationId: 'addHouseholdMember',
      tags: ['households'],
      summary: 'A registered person joins the household',
      description:
        'Same community, no other household, one head per household. The household’s status is derived again (HouseholdStatusChanged). Role `residents:write`.',
      parameters: [idempotencyKey, householdId],
      requestBody: body(ref('MembershipRequest')),
      responses: {
        ...ok('The household after the change.', ref('Household')),
        ...errors,
        ...notFound('No such household'),
        ...conflict('The person belongs to another household.'),
        '422': problemResponse('The person lives in another community, or the Idempotency-Key was reused.'),
      },
    },
  },
  '/v1/households/{householdId}/members/{residentId}': {
    delete: {
      operationId: 'removeHouseholdMember',
      tags: ['households'],
      summary: 'A member leaves the household',
      parameters: [householdId, uuidParam('residentId', 'The member.')],
      responses: {
        ...ok('The household after the change.', ref('Household')),
        ...errors,
        ...notFound('No such household or member'),
      },
    },
  },
  '/v1/households/{householdId}/surveys': {
    post: {
      operationId: 'recordSurvey',
      tags: ['surveys'],
      summary: 'Record a door-to-door visit (入户调查) and what it found',
      description:
        'Publishes SurveyRecorded; a completed visit counts the household as surveyed in that year.',
      parameters: [idempotencyKey, householdId],
      requestBody: body(ref('SurveyVisit')),
      responses: {
        ...ok('Recorded.', ref('Survey'), '201'),
        ...errors,
        ...notFound('No such household'),
        ...keyReused,
      },
    },
    get: {
      operationId: 'listSurveys',
      tags: ['surveys'],
      summary: 'The visits to a household, oldest first',
      parameters: [householdId, limitParam, cursorParam],
      responses: { ...ok('A page.', ref('SurveyPage')), ...errors, ...notFound('No such household') },
    },
  },
  '/v1/households/{householdId}/tracking-card': {
    post: {
      operationId: 'openTrackingCard',
      tags: ['tracking'],
      summary: 'Open the household’s dynamic tracking card (动态跟踪服务卡)',
      description:
        'One card per household: 201 when opened, 200 with the card when it was open already. A household that becomes zero-employment gets one by itself.',
      parameters: [idempotencyKey, householdId],
      responses: {
        ...ok('Already open.', ref('TrackingCard')),
        ...ok('Opened.', ref('TrackingCard'), '201'),
        ...errors,
        ...notFound('No such household'),
        ...keyReused,
      },
    },
    get: {
      operationId: 'getTrackingCard',
      tags: ['tracking'],
      summary: 'The card, with how much help of each kind was delivered',
      parameters: [householdId],
      responses: {
        ...ok('The card.', ref('TrackingCard')),
        ...errors,
        ...notFound('No such household or card'),
      },
    },
  },
  '/v1/households/{householdId}/tracking-card/deliveries': {
    post: {
      operationId: 'recordServiceDelivery',
      tags: ['tracking'],
      summary: 'Log help delivered: policy, job, skill or service, who, when, outcome',
      description: 'Publishes ServiceDelivered. Role `residents:write`.',
      parameters: [idempotencyKey, householdId],
      requestBody: body(ref('ServiceDeliveryInput')),
      responses: {
        ...ok('Logged.', ref('ServiceDelivery'), '201'),
        ...errors,
        ...notFound('No such household or card'),
        ...keyReused,
      },
    },
    get: {
      operationId: 'listServiceDeliveries',
      tags: ['tracking'],
      summary: 'The help logged on the card, oldest first',
      parameters: [
        householdId,
        { name: 'kind', in: 'query', schema: { type: 'string', enum: [...SERVICE_KINDS] } },
        limitParam,
        cursorParam,
      ],
      responses: {
        ...ok('A page.', ref('ServiceDeliveryPage')),
        ...errors,
        ...notFound('No such household or card'),
      },
    },
  },
  '/v1/households/{householdId}/contacts': {
    get: {
      operationId: 'getHouseholdContacts',
      tags: ['tracking'],
      summary: 'The household’s "four contacts, one helper" (四包一帮) as they stand',
      parameters: [householdId],
      responses: {
        ...ok('The current holder of each responsibility (null when nobody).', ref('HouseholdContacts')),
        ...errors,
        ...notFound('No such household'),
      },
    },
  },
  '/v1/communities/{communityCode}/households': {
    get: {
      operationId: 'listCommunityHouseholds',
      tags: ['communities'],
      summary: 'The households of a community, in registration order',
      description: 'Filters: zero-employment, double-unemployed, not surveyed (completed) in a year.',
      parameters: [
        communityCodeParam,
        { name: 'zeroEmployment', in: 'query', schema: { type: 'boolean' } },
        { name: 'doubleUnemployed', in: 'query', schema: { type: 'boolean' } },
        { name: 'notSurveyedIn', in: 'query', schema: { type: 'integer', minimum: 2000, maximum: 2100 } },
        limitParam,
        cursorParam,
      ],
      responses: {
        ...ok('A page.', ref('HouseholdPage')),
        ...errors,
        '404': problemResponse('The community lies outside the caller’s area.'),
      },
    },
  },
};

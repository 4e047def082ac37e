import {
  cursorParameter,
  idempotencyKeyParameter,
  jsonContent,
  limitParameter,
  nullable,
  type OpenApiDocument,
  okResponse,
  problemResponse,
  problemSchema,
  schemaRef,
  unavailableResponse,
  uuidPathParameter,
  withKitResponses,
} from '@employment/http';
import { REFERRAL_STATES } from './data-access/models.ts';
import {
  CONTRACT_TYPES,
  DISTANCE_LEVELS,
  EDUCATION_LEVELS,
  EMPLOYMENT_STATUSES,
  FOLLOW_UP_CHECKPOINTS,
  FOLLOW_UP_METHODS,
  HARDSHIP_CATEGORIES,
  PLACEMENT_END_REASONS,
  PLACEMENT_STATUSES,
  PUBLIC_WELFARE_CATEGORIES,
  PUBLIC_WELFARE_GROUPS,
  VACANCY_KINDS,
  VACANCY_STATES,
  WORK_CAPACITIES,
} from './domain/vocabulary.ts';

const ref = schemaRef;
const json = jsonContent;
const ok = okResponse;
const problem = problemResponse;

const readErrors = {
  '400': problem('A parameter is malformed; `errors` lists each one.'),
  '401': problem('No valid bearer token.'),
  '403': problem('The token lacks the role `jobs:read`.'),
  '429': problem('Rate limit reached; see Retry-After.'),
  '503': unavailableResponse,
};
const writeErrors = {
  '400': problem('The request is malformed or breaks a rule; `errors` lists each field. Nothing is stored.'),
  '401': problem('No valid bearer token.'),
  '403': problem('The token lacks the role `jobs:write`, or the community lies outside its area.'),
  '409': problem('The record’s state does not allow this (see `detail`), or it was changed meanwhile.'),
  '422': problem(
    'A business rule refuses it (see `detail`), or the Idempotency-Key was used with another request.',
  ),
  '429': problem('Rate limit reached; see Retry-After.'),
  '503': unavailableResponse,
};

const idempotencyKey = idempotencyKeyParameter;
const idParam = uuidPathParameter;
const limitParam = limitParameter;
const cursorParam = cursorParameter;
const areaParam = {
  name: 'area',
  in: 'query',
  description: 'Only records whose community lies in this area (a district, street or community code).',
  schema: { type: 'string', pattern: '^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$' },
};
const minScoreParam = {
  name: 'minScore',
  in: 'query',
  description: 'Leave out matches scoring below this (0-100).',
  schema: { type: 'number', minimum: 0, maximum: 100 },
};
const page = (item: string) => ({
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: { items: { type: 'array', items: ref(item) }, nextCursor: { type: ['string', 'null'] } },
});
const post = (op: {
  operationId: string;
  tags: string[];
  summary: string;
  description: string;
  parameters?: unknown[];
  body: string;
  status: '200' | '201';
  response: string;
  responseDescription: string;
  extraErrors?: Record<string, unknown>;
}) => ({
  post: {
    operationId: op.operationId,
    tags: op.tags,
    summary: op.summary,
    description: op.description,
    parameters: [...(op.parameters ?? []), idempotencyKey],
    requestBody: { required: true, content: json(ref(op.body)) },
    responses: {
      [op.status]: {
        description: op.responseDescription,
        ...(op.status === '201' ? { headers: { Location: { schema: { type: 'string' } } } } : {}),
        content: json(ref(op.response)),
      },
      ...writeErrors,
      ...op.extraErrors,
    },
  },
});

const dateSchema = { type: 'string', format: 'date' };
const enumOf = (values: readonly string[]) => ({ type: 'string', enum: [...values] });

/** The jobs service's HTTP contract; requests are validated against it before any route runs. */
export const openapi: OpenApiDocument = withKitResponses({
  openapi: '3.1.0',
  info: {
    title: 'Jobs',
    version: '1.0.0',
    description:
      'Jobs matching (岗位开发与对接) of the city employment platform: employers and their hiring links with communities, vacancies and public-welfare posts (公益性岗位), candidate profiles built from residents’ events, explainable matching both ways with the two priorities (两个优先), referrals, placements and the follow-ups that confirm stable employment (稳定就业). Every call needs a bearer token whose `area` claim scopes the people the caller may see: vacancies and employers are visible to every district, people only inside the caller’s area. Errors are RFC 9457 problem details.',
  },
  servers: [{ url: '/' }],
  security: [{ bearerAuth: [] }],
  tags: [
    { name: 'employers' },
    { name: 'vacancies' },
    { name: 'candidates' },
    { name: 'matching' },
    { name: 'referrals' },
    { name: 'placements' },
    { name: 'reference' },
  ],
  paths: {
    '/v1/employers': {
      ...post({
        operationId: 'registerEmployer',
        tags: ['employers'],
        summary: 'Register an employer (用人单位)',
        description:
          'Identified by its unified social credit code (统一社会信用代码, GB 32100): the code’s check character is validated and a bad code is refused with 400, storing nothing. A code already registered is refused with 409 and `employerId`. Needs `jobs:write` and an area covering `communityCode` (the registering community).',
        body: 'EmployerRegistration',
        status: '201',
        response: 'Employer',
        responseDescription: 'Registered.',
      }),
      get: {
        operationId: 'listEmployers',
        tags: ['employers'],
        summary: 'List employers',
        description:
          'Employers are visible to every district. In registration order, with cursor pagination.',
        parameters: [
          areaParam,
          { name: 'creditCode', in: 'query', schema: { type: 'string', minLength: 18, maxLength: 18 } },
          limitParam(200, 50),
          cursorParam,
        ],
        responses: { '200': ok('A page.', page('Employer')), ...readErrors },
      },
    },
    '/v1/employers/{employerId}': {
      get: {
        operationId: 'getEmployer',
        tags: ['employers'],
        summary: 'Read an employer with its contacts and hiring links',
        parameters: [idParam('employerId', 'The employer.')],
        responses: {
          '200': ok('The employer.', ref('Employer')),
          ...readErrors,
          '404': problem('No such employer.'),
        },
      },
    },
    '/v1/employers/{employerId}/contacts': post({
      operationId: 'addEmployerContact',
      tags: ['employers'],
      summary: 'Add a contact person',
      description:
        'Allowed to the area that registered the employer or one the employer has a hiring link with.',
      parameters: [idParam('employerId', 'The employer.')],
      body: 'ContactInput',
      status: '200',
      response: 'Employer',
      responseDescription: 'The employer after the change.',
      extraErrors: { '404': problem('No such employer.') },
    }),
    '/v1/employers/{employerId}/hiring-links': post({
      operationId: 'recordHiringLink',
      tags: ['employers'],
      summary: 'Record a steady hiring link with a community (稳定的用工联系)',
      description:
        'A community of the caller’s area records that it keeps a steady hiring relationship with the employer (it collects the employer’s vacancies and refers people to it). Recording it again for the same community replaces it.',
      parameters: [idParam('employerId', 'The employer.')],
      body: 'HiringLinkInput',
      status: '200',
      response: 'Employer',
      responseDescription: 'The employer after the change.',
      extraErrors: { '404': problem('No such employer.') },
    }),
    '/v1/vacancies': {
      ...post({
        operationId: 'postVacancy',
        tags: ['vacancies'],
        summary: 'Post a vacancy, or open a public-welfare post (公益性岗位)',
        description:
          'A community collects a registered employer’s vacancy. With `publicWelfare`, it is a government-funded public-welfare post in one of the ten categories, open only to the listed hardship groups (by default all five: 4050, disabled, minimum-living-allowance, zero-employment household, long-term unemployed), with its term and funding period. Skills and the occupation are free text resolved against the vocabulary (`GET /v1/vocabulary/skills`); unknown ones are kept and shown with `known: false`. Publishes VacancyPosted. Needs `jobs:write` and an area covering `communityCode`.',
        body: 'VacancyInput',
        status: '201',
        response: 'Vacancy',
        responseDescription: 'Posted.',
      }),
      get: {
        operationId: 'listVacancies',
        tags: ['vacancies'],
        summary: 'List vacancies (visible to every district)',
        description:
          '`state` is as of today: an open vacancy past its closing date counts as closed. Cursor pagination.',
        parameters: [
          areaParam,
          { name: 'state', in: 'query', schema: enumOf(VACANCY_STATES) },
          { name: 'kind', in: 'query', schema: enumOf(VACANCY_KINDS) },
          { name: 'employerId', in: 'query', schema: { type: 'string', format: 'uuid' } },
          {
            name: 'occupation',
            in: 'query',
            description: 'An occupation in either language; synonyms are resolved.',
            schema: { type: 'string', maxLength: 100 },
          },
          { name: 'publicWelfareCategory', in: 'query', schema: enumOf(PUBLIC_WELFARE_CATEGORIES) },
          limitParam(200, 50),
          cursorParam,
        ],
        responses: { '200': ok('A page.', page('Vacancy')), ...readErrors },
      },
    },
    '/v1/vacancies/{vacancyId}': {
      get: {
        operationId: 'getVacancy',
        tags: ['vacancies'],
        summary: 'Read a vacancy',
        parameters: [idParam('vacancyId', 'The vacancy.')],
        responses: {
          '200': ok('The vacancy.', ref('Vacancy')),
          ...readErrors,
          '404': problem('No such vacancy.'),
        },
      },
    },
    '/v1/vacancies/{vacancyId}/close': post({
      operationId: 'closeVacancy',
      tags: ['vacancies'],
      summary: 'Close a vacancy',
      description: 'Stops it taking applications. Needs an area covering the vacancy’s community.',
      parameters: [idParam('vacancyId', 'The vacancy.')],
      body: 'CloseVacancyInput',
      status: '200',
      response: 'Vacancy',
      responseDescription: 'The vacancy after the change.',
      extraErrors: { '404': problem('No such vacancy.') },
    }),
    '/v1/vacancies/{vacancyId}/candidates': {
      get: {
        operationId: 'matchCandidatesForVacancy',
        tags: ['matching'],
        summary: 'Candidates for a vacancy, ranked and explained',
        description:
          'Scores every eligible candidate of the caller’s area (people outside it never appear) and ranks them with the two priorities (两个优先): among candidates in the same 5-point score band, members of zero-employment households come first, then other hardship groups. Each item shows the score’s five components (essential skills 40, optional skills 10, education 15, distance between communities 20, the person’s preferences 15), the skill gaps, and the priority applied. A public-welfare post lists only people of its eligible groups. The list (which people were shown) is audited.',
        parameters: [idParam('vacancyId', 'The vacancy.'), limitParam(1000, 20), cursorParam, minScoreParam],
        responses: {
          '200': ok('A page of the ranking.', ref('CandidateMatches')),
          ...readErrors,
          '404': problem('No such vacancy.'),
          '409': problem('The vacancy is not taking applications.'),
        },
      },
    },
    '/v1/candidates': {
      get: {
        operationId: 'listCandidates',
        tags: ['candidates'],
        summary: 'List the candidates of the caller’s area',
        description: 'Candidate profiles built from residents’ events. The read is audited.',
        parameters: [
          {
            name: 'communityCode',
            in: 'query',
            schema: ref('CommunityCode'),
          },
          limitParam(200, 50),
          cursorParam,
        ],
        responses: { '200': ok('A page.', page('Candidate')), ...readErrors },
      },
    },
    '/v1/candidates/{residentId}': {
      get: {
        operationId: 'getCandidate',
        tags: ['candidates'],
        summary: 'Read a candidate profile',
        description:
          'Skills (as declared and as recognised by the vocabulary), education, hardship groups on the day (4050 by age, zero-employment by household), employment status, preferences. A candidate outside the caller’s area is answered 404. The read is audited.',
        parameters: [idParam('residentId', 'The resident (the id residents gave the person).')],
        responses: {
          '200': ok('The candidate.', ref('Candidate')),
          ...readErrors,
          '404': problem('No such candidate in the caller’s area.'),
        },
      },
    },
    '/v1/candidates/{residentId}/preferences': {
      put: {
        operationId: 'setCandidatePreferences',
        tags: ['candidates'],
        summary: 'Set a person’s job preferences',
        description:
          'Preferred occupations (free text, resolved against the vocabulary), the farthest distance level the person would travel, and the lowest monthly wage (yuan) they would take. They count in the `preferences` component of the score. Replaces earlier preferences.',
        parameters: [idParam('residentId', 'The resident.')],
        requestBody: { required: true, content: json(ref('PreferencesInput')) },
        responses: {
          '200': ok('The candidate after the change.', ref('Candidate')),
          ...writeErrors,
          '404': problem('No such candidate in the caller’s area.'),
        },
      },
    },
    '/v1/candidates/{residentId}/vacancies': {
      get: {
        operationId: 'matchVacanciesForCandidate',
        tags: ['matching'],
        summary: 'Vacancies for a person, ranked and explained',
        description:
          'Every district’s open vacancies the person is eligible for (public-welfare posts only when the person belongs to one of their groups), scored with the same five components and skill gaps. The read is audited.',
        parameters: [
          idParam('residentId', 'The resident.'),
          limitParam(1000, 20),
          cursorParam,
          minScoreParam,
        ],
        responses: {
          '200': ok('A page of the ranking.', ref('VacancyMatches')),
          ...readErrors,
          '404': problem('No such candidate in the caller’s area.'),
        },
      },
    },
    '/v1/referrals': {
      ...post({
        operationId: 'proposeReferral',
        tags: ['referrals'],
        summary: 'Refer a person to a vacancy (推荐)',
        description:
          'Starts a referral in state `proposed`, with the match score and whether the two priorities applied. The person must be eligible (422 with `reasons` otherwise: e.g. outside a public-welfare post’s groups) and in the caller’s area (404 otherwise); a person already referred to the vacancy gets 409 with `referralId`. Publishes ReferralMade.',
        body: 'ReferralInput',
        status: '201',
        response: 'Referral',
        responseDescription: 'Proposed.',
        extraErrors: { '404': problem('No such vacancy, or no such candidate in the caller’s area.') },
      }),
      get: {
        operationId: 'listReferrals',
        tags: ['referrals'],
        summary: 'List referrals of people in the caller’s area',
        parameters: [
          { name: 'vacancyId', in: 'query', schema: { type: 'string', format: 'uuid' } },
          { name: 'residentId', in: 'query', schema: { type: 'string', format: 'uuid' } },
          { name: 'state', in: 'query', schema: enumOf(REFERRAL_STATES) },
          limitParam(200, 50),
          cursorParam,
        ],
        responses: { '200': ok('A page.', page('Referral')), ...readErrors },
      },
    },
    '/v1/referrals/{referralId}': {
      get: {
        operationId: 'getReferral',
        tags: ['referrals'],
        summary: 'Read a referral with its history',
        parameters: [idParam('referralId', 'The referral.')],
        responses: {
          '200': ok('The referral.', ref('Referral')),
          ...readErrors,
          '404': problem('No such referral in the caller’s area.'),
        },
      },
    },
    '/v1/referrals/{referralId}/transitions': post({
      operationId: 'transitionReferral',
      tags: ['referrals'],
      summary: 'Move a referral along its state machine',
      description:
        'proposed → sent | rejected; sent → interviewed | rejected | no-show; interviewed → rejected (or hired, through POST /v1/placements). hired, rejected and no-show are final. Any other move is refused with 409 naming the current `state` and the `allowed` moves; `hired` here is refused with 422. `expectedVersion` makes the move conditional on the version the caller saw.',
      parameters: [idParam('referralId', 'The referral.')],
      body: 'ReferralTransition',
      status: '200',
      response: 'Referral',
      responseDescription: 'The referral after the move.',
      extraErrors: { '404': problem('No such referral in the caller’s area.') },
    }),
    '/v1/placements': {
      ...post({
        operationId: 'recordPlacement',
        tags: ['placements'],
        summary: 'Record a placement (a hire)',
        description:
          'A person of the caller’s area starts work in a vacancy: employer (from the vacancy), start date, contract type, monthly wage. With `referralId` the referral (which must be `interviewed`) becomes `hired`. The vacancy’s places are never over-filled; the last place makes it `filled`. A public-welfare post takes only people of its groups, under a `public-welfare-agreement` whose end defaults to the post’s term (or its funding end). Follow-ups fall due at 3 and 6 months. Publishes PlacementMade.',
        body: 'PlacementInput',
        status: '201',
        response: 'Placement',
        responseDescription: 'Recorded.',
        extraErrors: { '404': problem('No such vacancy, referral, or candidate in the caller’s area.') },
      }),
      get: {
        operationId: 'listPlacements',
        tags: ['placements'],
        summary: 'List placements of people in the caller’s area',
        description:
          '`followUpDueBy` lists active placements whose next follow-up falls due on or before that day.',
        parameters: [
          { name: 'residentId', in: 'query', schema: { type: 'string', format: 'uuid' } },
          { name: 'vacancyId', in: 'query', schema: { type: 'string', format: 'uuid' } },
          { name: 'status', in: 'query', schema: enumOf(PLACEMENT_STATUSES) },
          { name: 'followUpDueBy', in: 'query', schema: dateSchema },
          limitParam(200, 50),
          cursorParam,
        ],
        responses: { '200': ok('A page.', page('Placement')), ...readErrors },
      },
    },
    '/v1/placements/{placementId}': {
      get: {
        operationId: 'getPlacement',
        tags: ['placements'],
        summary: 'Read a placement with its follow-ups',
        parameters: [idParam('placementId', 'The placement.')],
        responses: {
          '200': ok('The placement.', ref('Placement')),
          ...readErrors,
          '404': problem('No such placement in the caller’s area.'),
        },
      },
    },
    '/v1/placements/{placementId}/follow-ups': post({
      operationId: 'recordFollowUp',
      tags: ['placements'],
      summary: 'Record the 3- or 6-month follow-up (跟踪回访)',
      description:
        'Due from the same day 3 or 6 months after the start (422 if earlier). A 6-month follow-up finding the person still in the job makes the placement stable (稳定就业) and publishes EmploymentStabilized. One finding the job lost must give `endedOn` and `endReason`: the placement ends and PlacementEnded is published.',
      parameters: [idParam('placementId', 'The placement.')],
      body: 'FollowUpInput',
      status: '201',
      response: 'Placement',
      responseDescription: 'The placement after the follow-up.',
      extraErrors: { '404': problem('No such placement in the caller’s area.') },
    }),
    '/v1/placements/{placementId}/end': post({
      operationId: 'endPlacement',
      tags: ['placements'],
      summary: 'Record that a placement ended, and why',
      description:
        'Publishes PlacementEnded with `withinSixMonths` true when it ended before the six-month mark (residents then raises a warning).',
      parameters: [idParam('placementId', 'The placement.')],
      body: 'EndPlacementInput',
      status: '200',
      response: 'Placement',
      responseDescription: 'The placement after the change.',
      extraErrors: { '404': problem('No such placement in the caller’s area.') },
    }),
    '/v1/vocabulary/skills': {
      get: {
        operationId: 'searchSkillVocabulary',
        tags: ['reference'],
        summary: 'Look up the occupation and skill vocabulary',
        description:
          'The vocabulary that lets “电焊” and “welding” meet: concepts with English and Chinese labels and synonyms. `resolved` names the concept the query resolves to exactly, if any.',
        parameters: [
          { name: 'q', in: 'query', schema: { type: 'string', maxLength: 100 } },
          { name: 'kind', in: 'query', schema: enumOf(['skill', 'occupation']) },
          limitParam(500, 20),
        ],
        responses: { '200': ok('Matching concepts.', ref('VocabularyResult')), ...readErrors },
      },
    },
    '/v1/audit-log': {
      get: {
        operationId: 'readAuditLog',
        tags: ['reference'],
        summary: 'The audit trail of a record',
        description:
          'Every write (who, when, what, state before and after) and every read of people’s records. Entries about people outside the caller’s area are left out.',
        parameters: [
          {
            name: 'subjectId',
            in: 'query',
            required: true,
            schema: { type: 'string', minLength: 1, maxLength: 100 },
          },
          limitParam(200, 50),
          cursorParam,
        ],
        responses: { '200': ok('A page.', page('AuditEntry')), ...readErrors },
      },
    },
  },
  components: {
    securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    schemas: {
      CommunityCode: { type: 'string', pattern: '^[0-9]{12}$', examples: ['420102001001'] },
      Date: dateSchema,
      Education: enumOf(EDUCATION_LEVELS),
      HardshipCategory: enumOf(HARDSHIP_CATEGORIES),
      Label: { type: 'string', minLength: 1, maxLength: 60 },
      EmployerRef: {
        type: 'object',
        required: ['id', 'name', 'creditCode'],
        properties: { id: { type: 'string' }, name: { type: 'string' }, creditCode: { type: 'string' } },
      },
      ContactInput: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 100 },
          role: { type: 'string', maxLength: 100 },
          phone: { type: 'string', pattern: '^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$' },
          email: { type: 'string', format: 'email', maxLength: 200 },
        },
      },
      EmployerRegistration: {
        type: 'object',
        additionalProperties: false,
        required: ['creditCode', 'name', 'communityCode'],
        properties: {
          creditCode: {
            type: 'string',
            minLength: 18,
            maxLength: 40,
            description:
              'Unified social credit code, 18 characters (GB 32100); spaces and full-width characters are normalised. The check character is verified.',
          },
          name: { type: 'string', minLength: 1, maxLength: 200 },
          communityCode: ref('CommunityCode'),
          address: { type: 'string', maxLength: 300 },
          industry: { type: 'string', maxLength: 100 },
          contacts: { type: 'array', maxItems: 20, items: ref('ContactInput') },
        },
      },
      HiringLinkInput: {
        type: 'object',
        additionalProperties: false,
        required: ['communityCode', 'since'],
        properties: {
          communityCode: ref('CommunityCode'),
          since: dateSchema,
          note: { type: 'string', maxLength: 500 },
        },
      },
      Employer: {
        type: 'object',
        required: ['id', 'creditCode', 'name', 'communityCode', 'contacts', 'hiringLinks', 'version'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          creditCode: { type: 'string' },
          name: { type: 'string' },
          communityCode: ref('CommunityCode'),
          address: { type: ['string', 'null'] },
          industry: { type: ['string', 'null'] },
          contacts: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                id: { type: 'string' },
                name: { type: 'string' },
                role: { type: ['string', 'null'] },
                phone: { type: ['string', 'null'] },
                email: { type: ['string', 'null'] },
              },
            },
          },
          hiringLinks: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                communityCode: ref('CommunityCode'),
                since: dateSchema,
                note: { type: ['string', 'null'] },
                recordedBy: { type: 'string' },
                recordedAt: { type: 'string', format: 'date-time' },
              },
            },
          },
          version: { type: 'integer' },
          createdAt: { type: 'string', format: 'date-time' },
          updatedAt: { type: 'string', format: 'date-time' },
        },
      },
      VacancyInput: {
        type: 'object',
        additionalProperties: false,
        required: ['employerId', 'communityCode', 'title', 'occupation', 'wage', 'places', 'closesOn'],
        properties: {
          employerId: { type: 'string', format: 'uuid' },
          communityCode: { ...ref('CommunityCode'), description: 'The workplace’s community.' },
          title: { type: 'string', minLength: 1, maxLength: 200 },
          description: {
            type: 'string',
            maxLength: 4000,
            'x-text': 'multiline',
            description: 'The post as advertised; may span several lines.',
          },
          occupation: { ...ref('Label'), description: 'In either language, e.g. "焊工" or "welder".' },
          requiredSkills: { type: 'array', maxItems: 20, items: ref('Label') },
          optionalSkills: { type: 'array', maxItems: 20, items: ref('Label') },
          minimumEducation: ref('Education'),
          ageMin: { type: 'integer', minimum: 16, maximum: 70 },
          ageMax: { type: 'integer', minimum: 16, maximum: 70 },
          acceptsPartialCapacity: {
            type: 'boolean',
            description:
              'Whether people able to work only partly may be matched; default false (true for public-welfare posts).',
          },
          wage: {
            type: 'object',
            additionalProperties: false,
            required: ['min', 'max'],
            description: 'Monthly wage range in yuan.',
            properties: {
              min: { type: 'integer', minimum: 0, maximum: 1000000 },
              max: { type: 'integer', minimum: 0, maximum: 1000000 },
            },
          },
          places: { type: 'integer', minimum: 1, maximum: 10000 },
          opensOn: { ...dateSchema, description: 'Default: today.' },
          closesOn: dateSchema,
          publicWelfare: ref('PublicWelfareTerms'),
        },
      },
      PublicWelfareTerms: {
        type: 'object',
        additionalProperties: false,
        required: ['category', 'termMonths', 'funding'],
        properties: {
          category: enumOf(PUBLIC_WELFARE_CATEGORIES),
          eligibleGroups: {
            type: 'array',
            uniqueItems: true,
            minItems: 1,
            items: enumOf(PUBLIC_WELFARE_GROUPS),
            description: 'The groups the post is open to; default all five.',
          },
          termMonths: {
            type: 'integer',
            minimum: 1,
            maximum: 60,
            description: 'How long one person may hold the post.',
          },
          funding: {
            type: 'object',
            additionalProperties: false,
            required: ['source', 'from', 'until'],
            properties: {
              source: { type: 'string', minLength: 1, maxLength: 200 },
              from: dateSchema,
              until: dateSchema,
            },
          },
        },
      },
      CloseVacancyInput: {
        type: 'object',
        additionalProperties: false,
        required: ['reason'],
        properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } },
      },
      SkillRef: {
        type: 'object',
        required: ['label', 'concept', 'known'],
        properties: {
          label: { type: 'string', description: 'As written.' },
          concept: {
            type: 'string',
            description: 'Vocabulary id, or `text:…` for a label the vocabulary does not know.',
          },
          known: { type: 'boolean' },
          name: { type: 'string', description: 'English (Chinese).' },
        },
      },
      Vacancy: {
        type: 'object',
        required: [
          'id',
          'kind',
          'employer',
          'communityCode',
          'title',
          'occupation',
          'state',
          'places',
          'placed',
        ],
        properties: {
          id: { type: 'string', format: 'uuid' },
          kind: enumOf(VACANCY_KINDS),
          employer: ref('EmployerRef'),
          communityCode: ref('CommunityCode'),
          title: { type: 'string' },
          description: { type: ['string', 'null'] },
          occupation: ref('SkillRef'),
          requiredSkills: { type: 'array', items: ref('SkillRef') },
          optionalSkills: { type: 'array', items: ref('SkillRef') },
          minimumEducation: nullable(ref('Education')),
          ageMin: { type: ['integer', 'null'] },
          ageMax: { type: ['integer', 'null'] },
          acceptsPartialCapacity: { type: 'boolean' },
          wage: { type: 'object', properties: { min: { type: 'integer' }, max: { type: 'integer' } } },
          places: { type: 'integer' },
          placed: { type: 'integer' },
          opensOn: dateSchema,
          closesOn: dateSchema,
          state: enumOf(VACANCY_STATES),
          closedReason: { type: ['string', 'null'] },
          publicWelfare: nullable({
            type: 'object',
            properties: {
              category: enumOf(PUBLIC_WELFARE_CATEGORIES),
              categoryName: { type: 'string' },
              eligibleGroups: { type: 'array', items: enumOf(PUBLIC_WELFARE_GROUPS) },
              termMonths: { type: 'integer' },
              funding: {
                type: 'object',
                properties: { source: { type: 'string' }, from: dateSchema, until: dateSchema },
              },
            },
          }),
          version: { type: 'integer' },
          createdAt: { type: 'string', format: 'date-time' },
          updatedAt: { type: 'string', format: 'date-time' },
        },
      },
      VacancySummary: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          kind: enumOf(VACANCY_KINDS),
          title: { type: 'string' },
          employer: ref('EmployerRef'),
          communityCode: ref('CommunityCode'),
          occupation: { type: 'string' },
          wage: { type: 'object', properties: { min: { type: 'integer' }, max: { type: 'integer' } } },
          places: { type: 'integer' },
          placed: { type: 'integer' },
          closesOn: dateSchema,
          state: enumOf(VACANCY_STATES),
          publicWelfareCategory: nullable(enumOf(PUBLIC_WELFARE_CATEGORIES)),
        },
      },
      PreferencesInput: {
        type: 'object',
        additionalProperties: false,
        properties: {
          occupations: { type: 'array', maxItems: 10, items: ref('Label') },
          maxDistance: {
            ...enumOf(DISTANCE_LEVELS),
            description:
              'The farthest the person would travel: the same community, street, district, city, or beyond.',
          },
          minMonthlyWage: { type: 'integer', minimum: 0, maximum: 1000000 },
        },
      },
      CandidateSummary: {
        type: 'object',
        required: ['residentId', 'communityCode', 'hardshipCategories', 'zeroEmploymentHousehold'],
        properties: {
          residentId: { type: 'string' },
          fullName: { type: 'string' },
          communityCode: ref('CommunityCode'),
          sex: { type: ['string', 'null'], enum: ['male', 'female', null] },
          age: { type: ['integer', 'null'] },
          education: nullable(ref('Education')),
          employmentStatus: nullable(enumOf(EMPLOYMENT_STATUSES)),
          hardshipCategories: { type: 'array', items: ref('HardshipCategory') },
          zeroEmploymentHousehold: { type: 'boolean' },
        },
      },
      Candidate: {
        allOf: [
          ref('CandidateSummary'),
          {
            type: 'object',
            properties: {
              workCapacity: nullable(enumOf(WORK_CAPACITIES)),
              householdId: { type: ['string', 'null'] },
              skills: { type: 'array', items: { type: 'string' } },
              occupation: { type: ['string', 'null'] },
              recognisedSkills: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { concept: { type: 'string' }, name: { type: 'string' } },
                },
              },
              preferences: nullable({
                type: 'object',
                properties: {
                  occupations: { type: 'array', items: ref('SkillRef') },
                  maxDistance: nullable(enumOf(DISTANCE_LEVELS)),
                  minMonthlyWage: { type: ['integer', 'null'] },
                  updatedAt: { type: 'string', format: 'date-time' },
                },
              }),
              activePlacementId: { type: ['string', 'null'] },
              statusSince: { type: ['string', 'null'], format: 'date-time' },
              versions: {
                type: 'object',
                properties: {
                  profile: { type: 'integer' },
                  status: { type: 'integer' },
                  preferences: { type: 'integer' },
                },
              },
              syncedAt: { type: 'string', format: 'date-time' },
            },
          },
        ],
      },
      MatchExplanation: {
        type: 'object',
        required: ['score', 'components', 'skillGaps', 'priority', 'explanation'],
        properties: {
          score: { type: 'number', minimum: 0, maximum: 100 },
          components: {
            type: 'array',
            items: {
              type: 'object',
              required: ['component', 'points', 'max', 'detail'],
              properties: {
                component: enumOf([
                  'essentialSkills',
                  'optionalSkills',
                  'education',
                  'distance',
                  'preferences',
                ]),
                points: { type: 'number' },
                max: { type: 'number' },
                detail: { type: 'string' },
              },
            },
          },
          skillGaps: {
            type: 'object',
            properties: {
              essential: { type: 'array', items: { type: 'string' } },
              optional: { type: 'array', items: { type: 'string' } },
            },
          },
          priority: {
            type: 'object',
            description:
              'The two priorities (两个优先): tier 2 zero-employment household member, 1 hardship group, 0 none.',
            properties: {
              tier: { type: 'integer', enum: [0, 1, 2] },
              groups: { type: 'array', items: ref('HardshipCategory') },
              applied: { type: 'boolean' },
              reason: { type: ['string', 'null'] },
            },
          },
          explanation: { type: 'array', items: { type: 'string' } },
        },
      },
      CandidateMatches: {
        type: 'object',
        required: ['vacancy', 'considered', 'eligible', 'items', 'nextCursor'],
        properties: {
          vacancy: ref('VacancySummary'),
          considered: { type: 'integer', description: 'Candidates of the caller’s area looked at.' },
          eligible: { type: 'integer', description: 'Of those, the ones who may be offered the vacancy.' },
          items: {
            type: 'array',
            items: {
              allOf: [
                ref('MatchExplanation'),
                {
                  type: 'object',
                  properties: {
                    rank: { type: 'integer' },
                    candidate: ref('CandidateSummary'),
                    referral: nullable({
                      type: 'object',
                      properties: { id: { type: 'string' }, state: enumOf(REFERRAL_STATES) },
                    }),
                  },
                },
              ],
            },
          },
          nextCursor: { type: ['string', 'null'] },
        },
      },
      VacancyMatches: {
        type: 'object',
        required: ['candidate', 'considered', 'eligible', 'items', 'nextCursor'],
        properties: {
          candidate: ref('CandidateSummary'),
          considered: { type: 'integer' },
          eligible: { type: 'integer' },
          items: {
            type: 'array',
            items: {
              allOf: [
                ref('MatchExplanation'),
                { type: 'object', properties: { rank: { type: 'integer' }, vacancy: ref('VacancySummary') } },
              ],
            },
          },
          nextCursor: { type: ['string', 'null'] },
        },
      },
      ReferralInput: {
        type: 'object',
        additionalProperties: false,
        required: ['vacancyId', 'residentId'],
        properties: {
          vacancyId: { type: 'string', format: 'uuid' },
          residentId: { type: 'string', format: 'uuid' },
          note: { type: 'string', maxLength: 1000 },
        },
      },
      ReferralTransition: {
        type: 'object',
        additionalProperties: false,
        required: ['to'],
        properties: {
          to: enumOf(REFERRAL_STATES),
          note: { type: 'string', maxLength: 1000 },
          expectedVersion: { type: 'integer', minimum: 1 },
        },
      },
      Referral: {
        type: 'object',
        required: ['id', 'vacancyId', 'residentId', 'communityCode', 'state', 'history', 'version'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          vacancyId: { type: 'string' },
          residentId: { type: 'string' },
          communityCode: ref('CommunityCode'),
          vacancyCommunityCode: ref('CommunityCode'),
          vacancyTitle: { type: 'string' },
          vacancyKind: enumOf(VACANCY_KINDS),
          employer: ref('EmployerRef'),
          state: enumOf(REFERRAL_STATES),
          history: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                id: { type: 'string' },
                from: { type: ['string', 'null'] },
                to: enumOf(REFERRAL_STATES),
                at: { type: 'string', format: 'date-time' },
                by: { type: 'string' },
                note: { type: ['string', 'null'] },
              },
            },
          },
          match: {
            type: 'object',
            properties: {
              score: { type: 'number' },
              priority: { type: 'boolean' },
              priorityGroups: { type: 'array', items: ref('HardshipCategory') },
            },
          },
          note: { type: ['string', 'null'] },
          placementId: { type: ['string', 'null'] },
          version: { type: 'integer' },
          createdAt: { type: 'string', format: 'date-time' },
          createdBy: { type: 'string' },
          updatedAt: { type: 'string', format: 'date-time' },
        },
      },
      PlacementInput: {
        type: 'object',
        additionalProperties: false,
        required: ['vacancyId', 'residentId', 'startDate', 'contractType', 'monthlyWage'],
        properties: {
          vacancyId: { type: 'string', format: 'uuid' },
          residentId: { type: 'string', format: 'uuid' },
          referralId: { type: 'string', format: 'uuid' },
          startDate: dateSchema,
          contractType: enumOf(CONTRACT_TYPES),
          contractEndDate: dateSchema,
          monthlyWage: { type: 'integer', minimum: 1, maximum: 1000000, description: 'Yuan per month.' },
        },
      },
      FollowUpInput: {
        type: 'object',
        additionalProperties: false,
        required: ['checkpoint', 'contactedOn', 'method', 'stillEmployed'],
        properties: {
          checkpoint: enumOf(FOLLOW_UP_CHECKPOINTS),
          contactedOn: dateSchema,
          method: enumOf(FOLLOW_UP_METHODS),
          stillEmployed: { type: 'boolean' },
          note: { type: 'string', maxLength: 1000 },
          endedOn: { ...dateSchema, description: 'Required when stillEmployed is false.' },
          endReason: {
            ...enumOf(PLACEMENT_END_REASONS),
            description: 'Required when stillEmployed is false.',
          },
          endDetail: { type: 'string', maxLength: 1000 },
        },
      },
      EndPlacementInput: {
        type: 'object',
        additionalProperties: false,
        required: ['endedOn', 'reason'],
        properties: {
          endedOn: dateSchema,
          reason: enumOf(PLACEMENT_END_REASONS),
          detail: { type: 'string', maxLength: 1000 },
        },
      },
      Placement: {
        type: 'object',
        required: [
          'id',
          'residentId',
          'communityCode',
          'vacancyId',
          'employer',
          'startDate',
          'status',
          'version',
        ],
        properties: {
          id: { type: 'string', format: 'uuid' },
          residentId: { type: 'string' },
          communityCode: ref('CommunityCode'),
          householdId: { type: ['string', 'null'] },
          vacancyId: { type: 'string' },
          vacancyCommunityCode: ref('CommunityCode'),
          referralId: { type: ['string', 'null'] },
          employer: ref('EmployerRef'),
          publicWelfare: { type: 'boolean' },
          startDate: dateSchema,
          contractType: enumOf(CONTRACT_TYPES),
          contractEndDate: { type: ['string', 'null'], format: 'date' },
          monthlyWage: { type: 'integer' },
          status: enumOf(PLACEMENT_STATUSES),
          nextFollowUp: nullable({
            type: 'object',
            properties: { checkpoint: enumOf(FOLLOW_UP_CHECKPOINTS), dueOn: dateSchema },
          }),
          followUps: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                id: { type: 'string' },
                checkpoint: enumOf(FOLLOW_UP_CHECKPOINTS),
                dueOn: dateSchema,
                contactedOn: dateSchema,
                method: enumOf(FOLLOW_UP_METHODS),
                stillEmployed: { type: 'boolean' },
                note: { type: ['string', 'null'] },
                recordedBy: { type: 'string' },
                recordedAt: { type: 'string', format: 'date-time' },
              },
            },
          },
          stabilizedOn: { type: ['string', 'null'], format: 'date' },
          ended: nullable({
            type: 'object',
            properties: {
              endedOn: dateSchema,
              reason: enumOf(PLACEMENT_END_REASONS),
              detail: { type: ['string', 'null'] },
              withinSixMonths: { type: 'boolean' },
              recordedBy: { type: 'string' },
              recordedAt: { type: 'string', format: 'date-time' },
            },
          }),
          version: { type: 'integer' },
          createdAt: { type: 'string', format: 'date-time' },
          createdBy: { type: 'string' },
          updatedAt: { type: 'string', format: 'date-time' },
        },
      },
      VocabularyResult: {
        type: 'object',
        properties: {
          query: { type: 'string' },
          resolved: { type: ['string', 'null'] },
          size: { type: 'integer' },
          items: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                id: { type: 'string' },
                kind: enumOf(['skill', 'occupation']),
                group: { type: 'string' },
                en: { type: 'string' },
                zh: { type: 'string' },
                synonyms: { type: 'array', items: { type: 'string' } },
                skills: { type: 'array', items: { type: 'string' } },
              },
            },
          },
        },
      },
      AuditEntry: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          at: { type: 'string', format: 'date-time' },
          actor: { type: 'string' },
          action: { type: 'string' },
          subjectType: { type: 'string' },
          subjectId: { type: 'string' },
          communityCode: { type: ['string', 'null'] },
          before: { type: ['object', 'null'] },
          after: { type: ['object', 'null'] },
          requestId: { type: ['string', 'null'] },
        },
      },
      Problem: problemSchema,
    },
  },
});

import {
  CERTIFICATE_STATES,
  HELPER_ROLES,
  WARNING_KINDS,
  WARNING_LEVELS,
  WARNING_STATES,
} from '../domain/vocabulary.ts';
import {
  areaCodeParam,
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
  nullableDateTime,
  ok,
  pageOf,
  problemResponse,
  ref,
  text,
  uuidParam,
  versionField,
} from './common.ts';

const certificateId = uuidParam('certificateId', 'The certificate’s id.');
const warningId = uuidParam('warningId', 'The warning’s id.');
const assignmentId = uuidParam('assignmentId', 'The assignment’s id.');

const versioned = (properties: Record<string, unknown>, required: string[] = []) => ({
  type: 'object',
  additionalProperties: false,
  required: ['version', ...required],
  properties: { version: versionField, ...properties },
});

export const programmeSchemas = {
  HelperRole: {
    type: 'string',
    enum: [...HELPER_ROLES],
    description:
      'street-leader: a street or community; social-security-officer: a community; community-director: a building; community-worker and party-member-helper: a household.',
  },
  AssignmentInput: {
    type: 'object',
    additionalProperties: false,
    required: ['role', 'targetId', 'helper'],
    properties: {
      role: ref('HelperRole'),
      targetId: {
        type: 'string',
        maxLength: 40,
        description: 'An area code (street, community, building) or a household id.',
      },
      helper: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: text(60),
          staffId: { type: 'string', maxLength: 60 },
          phone: { type: 'string', pattern: '^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$' },
        },
      },
      since: {
        type: 'string',
        format: 'date-time',
        description: 'Default now; the previous holder ends then.',
      },
    },
  },
  Assignment: {
    type: 'object',
    required: ['id', 'role', 'targetId', 'helper', 'since', 'current'],
    properties: {
      id: { type: 'string' },
      role: ref('HelperRole'),
      targetType: { type: 'string', enum: ['street', 'community', 'building', 'household'] },
      targetId: { type: 'string' },
      communityCode: { type: 'string' },
      helper: { type: 'object' },
      since: dateTime,
      until: nullableDateTime,
      current: { type: 'boolean' },
      previousAssignmentId: { type: ['string', 'null'] },
      assignedBy: { type: 'string' },
      endedBy: { type: ['string', 'null'] },
      endReason: { type: ['string', 'null'] },
    },
  },
  AssignmentPage: pageOf('Assignment'),
  HouseholdContacts: {
    type: 'object',
    properties: {
      householdId: { type: 'string' },
      streetLeader: nullable(ref('Assignment')),
      socialSecurityOfficer: nullable(ref('Assignment')),
      communityDirector: nullable(ref('Assignment')),
      communityWorker: nullable(ref('Assignment')),
      partyMemberHelper: nullable(ref('Assignment')),
    },
  },
  CertificateApplication: {
    type: 'object',
    additionalProperties: false,
    required: ['residentId'],
    properties: { residentId: { type: 'string', format: 'uuid' }, note: { type: 'string', maxLength: 500 } },
  },
  Certificate: {
    type: 'object',
    required: ['id', 'residentId', 'communityCode', 'state', 'version'],
    properties: {
      id: { type: 'string' },
      residentId: { type: 'string' },
      communityCode: ref('CommunityCode'),
      number: { type: ['string', 'null'], description: 'District code, year, sequence; set when issued.' },
      state: { type: 'string', enum: [...CERTIFICATE_STATES] },
      basis: { type: 'array', items: ref('HardshipCategory') },
      employmentStatusAtApplication: ref('EmploymentStatus'),
      applicationNote: { type: ['string', 'null'] },
      appliedAt: dateTime,
      appliedBy: { type: 'string' },
      review: { type: ['object', 'null'] },
      issuedOn: { type: ['string', 'null'], format: 'date' },
      issuedBy: { type: ['string', 'null'] },
      nextCheckDue: { type: ['string', 'null'], format: 'date' },
      checks: { type: 'array', items: { type: 'object' } },
      revokedAt: nullableDateTime,
      revokedBy: { type: ['string', 'null'] },
      revocationReason: { type: ['string', 'null'] },
      history: { type: 'array', items: { type: 'object' } },
      version: { type: 'integer' },
    },
  },
  CertificatePage: pageOf('Certificate'),
  CertificateReview: versioned({ approved: { type: 'boolean' }, note: { type: 'string', maxLength: 500 } }, [
    'approved',
  ]),
  CertificateIssue: versioned({
    issuedOn: { type: 'string', format: 'date', description: 'Default today.' },
  }),
  CertificateCheck: versioned({ passed: { type: 'boolean' }, note: { type: 'string', maxLength: 500 } }, [
    'passed',
  ]),
  CertificateRevocation: versioned({ reason: text(300) }, ['reason']),
  Warning: {
    type: 'object',
    required: ['id', 'kind', 'subjectId', 'communityCode', 'level', 'levelCode', 'state', 'version'],
    properties: {
      id: { type: 'string' },
      kind: { type: 'string', enum: [...WARNING_KINDS] },
      subjectType: { type: 'string', enum: ['household', 'resident', 'certificate'] },
      subjectId: { type: 'string' },
      communityCode: ref('CommunityCode'),
      level: { type: 'string', enum: [...WARNING_LEVELS] },
      levelCode: { type: 'string', description: 'The area code of the level the warning is with.' },
      state: { type: 'string', enum: [...WARNING_STATES] },
      detail: { type: 'string' },
      raisedAt: dateTime,
      escalateAt: { ...nullableDateTime, description: 'When it climbs one level unless resolved.' },
      placementDueAt: nullableDateTime,
      escalations: { type: 'array', items: { type: 'object' } },
      acknowledgedAt: nullableDateTime,
      acknowledgedBy: { type: ['string', 'null'] },
      acknowledgementNote: { type: ['string', 'null'] },
      resolvedAt: nullableDateTime,
      resolvedBy: { type: ['string', 'null'] },
      resolution: { type: ['string', 'null'] },
      version: { type: 'integer' },
    },
  },
  WarningPage: pageOf('Warning'),
  WarningAcknowledgement: versioned({ note: { type: 'string', maxLength: 500 } }),
  WarningResolution: versioned({ resolution: text(500) }, ['resolution']),
  AuditEntry: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      at: dateTime,
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
  AuditPage: pageOf('AuditEntry'),
};

const certificateStep = (operationId: string, summary: string, description: string, schema: string) => ({
  post: {
    operationId,
    tags: ['certificates'],
    summary,
    description,
    parameters: [idempotencyKey, certificateId],
    requestBody: body(ref(schema)),
    responses: {
      ...ok('The certificate after the step.', ref('Certificate')),
      ...errors,
      ...notFound('No such certificate'),
      ...conflict(
        'The version is stale, or the certificate is not in a state that allows this step (`state`).',
      ),
      ...keyReused,
    },
  },
});

const warningStep = (operationId: string, summary: string, schema: string) => ({
  post: {
    operationId,
    tags: ['warnings'],
    summary,
    parameters: [idempotencyKey, warningId],
    requestBody: body(ref(schema)),
    responses: {
      ...ok('The warning after the step.', ref('Warning')),
      ...errors,
      ...notFound('No such warning'),
      ...conflict('The version is stale, or the warning is not in a state that allows this step.'),
      ...keyReused,
    },
  },
});

export const programmePaths = {
  '/v1/assignments': {
    post: {
      operationId: 'assignHelper',
      tags: ['tracking'],
      summary: 'Give a "four contacts, one helper" (四包一帮) responsibility to someone',
      description:
        'The previous holder’s assignment ends when the new one begins; the history is kept. Publishes HelperAssigned. Role `residents:write`.',
      parameters: [idempotencyKey],
      requestBody: body(ref('AssignmentInput')),
      responses: {
        ...ok('Assigned.', ref('Assignment'), '201'),
        ...errors,
        ...notFound('No such target'),
        ...keyReused,
      },
    },
    get: {
      operationId: 'listAssignments',
      tags: ['tracking'],
      summary: 'Who held the responsibilities for a target, oldest first',
      parameters: [
        { name: 'targetId', in: 'query', required: true, schema: { type: 'string', maxLength: 40 } },
        { name: 'role', in: 'query', schema: ref('HelperRole') },
        limitParam,
        cursorParam,
      ],
      responses: { ...ok('A page.', ref('AssignmentPage')), ...errors },
    },
  },
  '/v1/assignments/{assignmentId}/end': {
    post: {
      operationId: 'endAssignment',
      tags: ['tracking'],
      summary: 'End a responsibility without a successor',
      parameters: [idempotencyKey, assignmentId],
      requestBody: body({
        type: 'object',
        additionalProperties: false,
        required: ['reason'],
        properties: { reason: text(300) },
      }),
      responses: {
        ...ok('Ended.', ref('Assignment')),
        ...errors,
        ...notFound('No such assignment'),
        ...conflict('The assignment has ended already.'),
        ...keyReused,
      },
    },
  },
  '/v1/certificates': {
    post: {
      operationId: 'applyForCertificate',
      tags: ['certificates'],
      summary: 'Apply for the Reemployment Preferential Certificate (《再就业优惠证》)',
      description:
        'For a registered unemployed or laid-off person of working age; one live certificate (or application) per person. Publishes CertificateApplied. Role `residents:write`.',
      parameters: [idempotencyKey],
      requestBody: body(ref('CertificateApplication')),
      responses: {
        ...ok('Applied.', ref('Certificate'), '201'),
        ...errors,
        ...conflict('The person has a live certificate or application (`certificateId`).'),
        '422': problemResponse('The person is not eligible, or the Idempotency-Key was reused.'),
      },
    },
    get: {
      operationId: 'findCertificateByNumber',
      tags: ['certificates'],
      summary: 'Find a certificate by its number',
      parameters: [
        { name: 'number', in: 'query', required: true, schema: { type: 'string', pattern: '^[0-9]{16}$' } },
      ],
      responses: {
        ...ok('The certificate.', ref('Certificate')),
        ...errors,
        ...notFound('No such certificate'),
      },
    },
  },
  '/v1/certificates/{certificateId}': {
    get: {
      operationId: 'getCertificate',
      tags: ['certificates'],
      summary: 'Read a certificate with its history',
      parameters: [certificateId],
      responses: {
        ...ok('The certificate.', ref('Certificate')),
        ...errors,
        ...notFound('No such certificate'),
      },
    },
  },
  '/v1/certificates/{certificateId}/review': certificateStep(
    'reviewCertificate',
    'The community’s first review (社区初审)',
    'applied → approved or rejected. Role `certificates:review`.',
    'CertificateReview',
  ),
  '/v1/certificates/{certificateId}/issue': certificateStep(
    'issueCertificate',
    'Issue the certificate under a unique number',
    'approved → issued; the number is the district code, the year and a sequence; the first annual check falls due a year later. Role `certificates:issue`.',
    'CertificateIssue',
  ),
  '/v1/certificates/{certificateId}/annual-checks': certificateStep(
    'recordAnnualCheck',
    'Record the annual check (年检)',
    'Passed: the next check falls due a year on, and an overdue warning is resolved. Failed: the certificate is revoked. Role `certificates:review`.',
    'CertificateCheck',
  ),
  '/v1/certificates/{certificateId}/revocation': certificateStep(
    'revokeCertificate',
    'Revoke the certificate (or withdraw an application)',
    'Role `certificates:issue`.',
    'CertificateRevocation',
  ),
  '/v1/communities/{communityCode}/certificates': {
    get: {
      operationId: 'listCommunityCertificates',
      tags: ['certificates'],
      summary: 'The certificates of a community',
      parameters: [
        communityCodeParam,
        { name: 'state', in: 'query', schema: { type: 'string', enum: [...CERTIFICATE_STATES] } },
        limitParam,
        cursorParam,
      ],
      responses: {
        ...ok('A page.', ref('CertificatePage')),
        ...errors,
        '404': problemResponse('The community lies outside the caller’s area.'),
      },
    },
  },
  '/v1/areas/{areaCode}/warnings': {
    get: {
      operationId: 'listAreaWarnings',
      tags: ['warnings'],
      summary: 'Early warnings (预警预报) about records under an area, oldest first',
      description:
        '`atThisLevel=true` keeps those the area itself must handle (escalated to it, or raised at it).',
      parameters: [
        areaCodeParam,
        { name: 'state', in: 'query', schema: { type: 'string', enum: [...WARNING_STATES, 'open'] } },
        { name: 'kind', in: 'query', schema: { type: 'string', enum: [...WARNING_KINDS] } },
        { name: 'atThisLevel', in: 'query', schema: { type: 'boolean' } },
        limitParam,
        cursorParam,
      ],
      responses: { ...ok('A page.', ref('WarningPage')), ...errors, ...notFound('No such area') },
    },
  },
  '/v1/warnings/{warningId}': {
    get: {
      operationId: 'getWarning',
      tags: ['warnings'],
      summary: 'Read a warning with its escalations',
      parameters: [warningId],
      responses: { ...ok('The warning.', ref('Warning')), ...errors, ...notFound('No such warning') },
    },
  },
  '/v1/warnings/{warningId}/acknowledge': warningStep(
    'acknowledgeWarning',
    'Acknowledge a warning (someone is on it); it still climbs if left unresolved',
    'WarningAcknowledgement',
  ),
  '/v1/warnings/{warningId}/resolve': warningStep('resolveWarning', 'Resolve a warning', 'WarningResolution'),
  '/v1/audit-log': {
    get: {
      operationId: 'listAuditEntries',
      tags: ['audit'],
      summary: 'The audit trail of a record: who did what, when, before and after',
      description: 'Entries about records outside the caller’s area are left out. Role `residents:read`.',
      parameters: [
        { name: 'subjectId', in: 'query', required: true, schema: { type: 'string', maxLength: 60 } },
        limitParam,
        cursorParam,
      ],
      responses: { ...ok('A page.', ref('AuditPage')), ...errors },
    },
  },
};

/** Building blocks of the residents OpenAPI document, on the kit's shared parts. */
import {
  cursorParameter,
  idempotencyKeyParameter,
  limitParameter,
  nullable,
  pageSchema,
  problemResponse,
  problemSchema,
  schemaRef,
  unavailableResponse,
  uuidPathParameter,
} from '@employment/http';

export { nullable, problemResponse, problemSchema };
export const ref = schemaRef;

export const errors = {
  '400': problemResponse('The request is malformed or breaks a rule; `errors` lists each field.'),
  '401': problemResponse('No valid bearer token.'),
  '403': problemResponse('The token lacks the role, or the record lies outside its area scope.'),
  '429': problemResponse('Rate limit reached; see Retry-After.'),
  '503': unavailableResponse,
};

export const notFound = (what: string) => ({
  '404': problemResponse(`${what} (a record outside the caller’s area is answered the same way).`),
});
export const conflict = (what: string) => ({ '409': problemResponse(what) });
export const keyReused = { '422': problemResponse('The Idempotency-Key was used with a different request.') };

export const ok = (description: string, schema: unknown, status = '200') => ({
  [status]: { description, content: { 'application/json': { schema } } },
});

export const body = (schema: unknown) => ({
  required: true,
  content: { 'application/json': { schema } },
});

export const idempotencyKey = idempotencyKeyParameter;
export const uuidParam = uuidPathParameter;

export const communityCodeParam = {
  name: 'communityCode',
  in: 'path',
  required: true,
  description: '12-digit community code (社区).',
  schema: ref('CommunityCode'),
};

export const areaCodeParam = {
  name: 'areaCode',
  in: 'path',
  required: true,
  description: 'Area code: 4 (city), 6 (district), 9 (street), 12 (community) or 15 (building) digits.',
  schema: ref('AreaCode'),
};

export const limitParam = limitParameter(500, 50);
export const cursorParam = cursorParameter;
export const pageOf = pageSchema;

export const versionField = {
  type: 'integer',
  minimum: 1,
  description: 'The version the caller read; a write based on an older one is refused with 409.',
};

/** Free text; blank values, control characters and the like are refused by the kit's text rule, as for every request string. */
export const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max });
export const dateTime = { type: 'string', format: 'date-time' };
export const nullableDateTime = { type: ['string', 'null'], format: 'date-time' };

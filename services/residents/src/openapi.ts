import { type OpenApiDocument, withKitResponses } from '@employment/http';
import { areaPaths, areaSchemas } from './openapi/areas.ts';
import { problemSchema } from './openapi/common.ts';
import { householdPaths, householdSchemas } from './openapi/households.ts';
import { peoplePaths, peopleSchemas } from './openapi/people.ts';
import { programmePaths, programmeSchemas } from './openapi/programmes.ts';

/** The residents service's HTTP contract; requests are validated against it before any route runs. */
export const openapi: OpenApiDocument = withKitResponses({
  openapi: '3.1.0',
  info: {
    title: 'Residents',
    version: '1.1.0',
    description:
      'The real-name registry (实名制就业管理) of the city employment platform: the administrative tree, people (national ID numbers stored encrypted and shown masked), households and their derived status, surveys, Reemployment Preferential Certificates, tracking cards with help delivered, "four contacts, one helper" assignments and early warnings. Every call needs a bearer token whose `area` claim scopes what the caller may see and change: records outside it answer 404, writes into another area 403. Lists use cursor pagination; errors are RFC 9457 problem details; every POST honours Idempotency-Key.',
  },
  servers: [{ url: '/' }],
  security: [{ bearerAuth: [] }],
  tags: [
    { name: 'residents' },
    { name: 'communities' },
    { name: 'areas' },
    { name: 'households' },
    { name: 'surveys' },
    { name: 'tracking' },
    { name: 'certificates' },
    { name: 'warnings' },
    { name: 'audit' },
  ],
  paths: { ...peoplePaths, ...areaPaths, ...householdPaths, ...programmePaths },
  components: {
    securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    schemas: {
      ...peopleSchemas,
      ...areaSchemas,
      ...householdSchemas,
      ...programmeSchemas,
      Problem: problemSchema,
    },
  },
});

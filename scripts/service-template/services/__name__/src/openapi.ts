import { auditLogOperation, openApiDocument } from '@employment/http';
import { applicationOperations } from './applications/contract.ts';
import { ROLES } from './config.ts';

export const auditLog = auditLogOperation({ tag: 'audit', role: ROLES.read });

/** The service's OpenAPI 3.1 document, from every aggregate's operations: served and enforced. */
export const openapi = openApiDocument({
  title: '__name__',
  version: '1.0.0',
  description: 'The __name__ service of the city employment platform.',
  tags: [
    { name: 'applications', description: 'Applications of people (the template’s sample aggregate).' },
    { name: 'audit', description: 'Who did what to which record.' },
  ],
  operations: [...applicationOperations, auditLog],
});

import { operation } from '@employment/http';
import { z } from 'zod';
import { ROLES } from '../config.ts';

// The aggregate's HTTP contract, written once: these schemas produce the OpenAPI document, which
// validates every request before a handler runs, and they type the handlers bound in routes.ts.

const AreaCode = z
  .string()
  .regex(/^([0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$/)
  .meta({ id: 'AreaCode', description: 'A city (4 digits), district (6), street (9) or community (12).' });

export const ApplicationInput = z
  .object({
    personId: z.uuid().meta({ description: 'The person (a resident id), known from residents’ events.' }),
    note: z.string().max(500).optional(),
  })
  .strict()
  .meta({ id: 'ApplicationInput' });
export type ApplicationInput = z.output<typeof ApplicationInput>;

export const Application = z
  .object({
    id: z.uuid(),
    personId: z.uuid(),
    communityCode: z.string().meta({ description: 'The person’s community when they applied.' }),
    note: z.string().nullable(),
    status: z.enum(['filed']),
    filedAt: z.iso.datetime(),
    filedBy: z.string(),
  })
  .meta({ id: 'Application' });
export type ApplicationView = z.output<typeof Application>;

const ApplicationPage = z
  .object({ items: z.array(Application), nextCursor: z.string().nullable() })
  .meta({ id: 'ApplicationPage' });

export const fileApplication = operation({
  method: 'post',
  path: '/v1/applications',
  operationId: 'fileApplication',
  tags: ['applications'],
  summary: 'File an application for a person',
  role: ROLES.write,
  body: ApplicationInput,
  responses: { 201: { description: 'Filed.', body: Application, location: true } },
  problems: {
    404: 'No such person in the caller’s areas (or not yet known to this service from residents’ events).',
    409: 'The person already has an application.',
    422: 'A rule refuses the person (see `detail`).',
  },
});

export const readApplication = operation({
  method: 'get',
  path: '/v1/applications/{applicationId}',
  operationId: 'readApplication',
  tags: ['applications'],
  summary: 'One application',
  role: ROLES.read,
  params: z.object({ applicationId: z.uuid() }),
  responses: { 200: { description: 'The application.', body: Application } },
  problems: { 404: 'No such application in the caller’s areas.' },
});

export const listApplications = operation({
  method: 'get',
  path: '/v1/applications',
  operationId: 'listApplications',
  tags: ['applications'],
  summary: 'The applications in the caller’s areas, oldest first',
  role: ROLES.read,
  query: z.object({
    area: AreaCode.optional(),
    limit: z.int().min(1).max(200).default(50),
    cursor: z.string().max(300).optional(),
  }),
  responses: { 200: { description: 'A page.', body: ApplicationPage } },
});

export const applicationOperations = [fileApplication, readApplication, listApplications];

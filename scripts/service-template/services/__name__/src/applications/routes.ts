import { bind } from '@employment/http';
import type { Router } from 'express';
import { type ApplicationView, fileApplication as fileOp, listApplications as listOp, readApplication as readOp } from './contract.ts';
import { type ApplicationDeps, fileApplication } from './file.ts';
import { listApplications, readApplication } from './read.ts';
import type { ApplicationRecord } from './rules.ts';

/** The aggregate's routes: thin, they translate HTTP to use cases and records to views. */
export function applicationRoutes(router: Router, deps: ApplicationDeps): void {
  bind(router, fileOp, async ({ actor, body }) => {
    const application = await fileApplication(deps, actor, body);
    return { status: 201, body: view(application), location: `/v1/applications/${application._id}` };
  });
  bind(router, readOp, async ({ actor, params }) => ({
    body: view(await readApplication(deps, actor, params.applicationId)),
  }));
  bind(router, listOp, async ({ actor, query }) => {
    const page = await listApplications(deps, actor, query);
    return { body: { items: page.items.map(view), nextCursor: page.nextCursor } };
  });
}

function view(application: ApplicationRecord): ApplicationView {
  return {
    id: application._id,
    personId: application.personId,
    communityCode: application.communityCode,
    note: application.note,
    status: application.status,
    filedAt: application.filedAt.toISOString(),
    filedBy: application.filedBy,
  };
}

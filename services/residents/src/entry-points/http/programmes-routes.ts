import { AppError, areaFilter, canAccessArea, requireRole } from '@employment/core';
import type { Router } from 'express';
import type { ResidentsRepository } from '../../data-access/residents-repository.ts';
import type { AreaRegistry } from '../../domain/areas.ts';
import { type Certificates, toCertificateView } from '../../domain/certificates.ts';
import type { Actor } from '../../domain/changes.ts';
import type { Registry } from '../../domain/registry.ts';
import { type AssignmentInput, type Tracking, toAssignmentView } from '../../domain/tracking.ts';
import type { HelperRole } from '../../domain/vocabulary.ts';
import { toWarningView, type Warnings } from '../../domain/warnings.ts';
import { handle, pageRequest, param, queryBool, queryString, sendPage } from './handle.ts';

/** Certificates, "four contacts, one helper" assignments, warnings and the audit trail. */
export function programmesRoutes(
  router: Router,
  deps: {
    certificates: Certificates;
    tracking: Tracking;
    warnings: Warnings;
    areas: AreaRegistry;
    registry: Registry;
    repository: ResidentsRepository;
  },
): void {
  const { certificates, tracking, warnings, areas, registry, repository } = deps;

  router.post(
    '/v1/assignments',
    handle(async (req, res, principal, actor) => {
      requireRole(principal, 'residents:write');
      res.status(201).json(toAssignmentView(await tracking.assign(actor, req.body as AssignmentInput)));
    }),
  );

  router.get(
    '/v1/assignments',
    handle(async (req, res, principal) => {
      requireRole(principal, 'residents:read');
      const { limit, after } = pageRequest(req);
      const rows = await tracking.history(
        principal,
        {
          targetId: String(queryString(req, 'targetId')),
          ...(queryString(req, 'role') ? { role: queryString(req, 'role') as HelperRole } : {}),
        },
        after,
        limit + 1,
      );
      sendPage(res, rows, limit, toAssignmentView);
    }),
  );

  router.post(
    '/v1/assignments/:assignmentId/end',
    handle(async (req, res, principal, actor) => {
      requireRole(principal, 'residents:write');
      const ended = await tracking.end(
        actor,
        param(req, 'assignmentId'),
        (req.body as { reason: string }).reason,
      );
      res.json(toAssignmentView(ended));
    }),
  );

  router.post(
    '/v1/certificates',
    handle(async (req, res, principal, actor) => {
      requireRole(principal, 'residents:write');
      const certificate = await certificates.apply(actor, req.body as { residentId: string; note?: string });
      res.status(201).location(`/v1/certificates/${certificate._id}`).json(toCertificateView(certificate));
    }),
  );

  router.get(
    '/v1/certificates',
    handle(async (req, res, principal) => {
      requireRole(principal, 'residents:read');
      res.json(
        toCertificateView(await certificates.findByNumber(principal, String(queryString(req, 'number')))),
      );
    }),
  );

  router.get(
    '/v1/certificates/:certificateId',
    handle(async (req, res, principal) => {
      requireRole(principal, 'residents:read');
      res.json(toCertificateView(await certificates.read(principal, param(req, 'certificateId'))));
    }),
  );

  const steps = {
    review: (actor: Actor, id: string, body: never) => certificates.review(actor, id, body),
    issue: (actor: Actor, id: string, body: never) => certificates.issue(actor, id, body),
    'annual-checks': (actor: Actor, id: string, body: never) => certificates.check(actor, id, body),
    revocation: (actor: Actor, id: string, body: never) => certificates.revoke(actor, id, body),
  };
  for (const [path, run] of Object.entries(steps)) {
    router.post(
      `/v1/certificates/:certificateId/${path}`,
      handle(async (req, res, _principal, actor) => {
        res.json(toCertificateView(await run(actor, param(req, 'certificateId'), req.body as never)));
      }),
    );
  }

  router.get(
    '/v1/residents/:residentId/certificates',
    handle(async (req, res, principal) => {
      requireRole(principal, 'residents:read');
      const person = await registry.find(principal, param(req, 'residentId'));
      const { limit, after } = pageRequest(req);
      sendPage(
        res,
        await repository.listCertificates({ residentId: person._id }, after, limit + 1),
        limit,
        toCertificateView,
      );
    }),
  );

  router.get(
    '/v1/communities/:communityCode/certificates',
    handle(async (req, res, principal) => {
      requireRole(principal, 'residents:read');
      const communityCode = param(req, 'communityCode');
      if (!canAccessArea(principal, communityCode))
        throw new AppError('not-found', 'no such community in your area');
      const { limit, after } = pageRequest(req);
      const filter: Record<string, unknown> = { communityCode };
      const state = queryString(req, 'state');
      if (state) filter.state = state;
      sendPage(res, await repository.listCertificates(filter, after, limit + 1), limit, toCertificateView);
    }),
  );

  router.get(
    '/v1/areas/:areaCode/warnings',
    handle(async (req, res, principal) => {
      requireRole(principal, 'residents:read');
      const areaCode = param(req, 'areaCode');
      await areas.read(principal, areaCode);
      if (!canAccessArea(principal, areaCode)) throw new AppError('not-found', 'no such area in your scope');
      const { limit, after } = pageRequest(req);
      const filter: Record<string, unknown> = { communityCode: { $gte: areaCode, $lt: `${areaCode}\uffff` } };
      const state = queryString(req, 'state');
      if (state === 'open') filter.state = { $ne: 'resolved' };
      else if (state) filter.state = state;
      const kind = queryString(req, 'kind');
      if (kind) filter.kind = kind;
      if (queryBool(req, 'atThisLevel')) filter.levelCode = areaCode;
      sendPage(res, await repository.listWarnings(filter, after, limit + 1), limit, toWarningView);
    }),
  );

  router.get(
    '/v1/warnings/:warningId',
    handle(async (req, res, principal) => {
      requireRole(principal, 'residents:read');
      res.json(toWarningView(await warnings.read(principal, param(req, 'warningId'))));
    }),
  );

  router.post(
    '/v1/warnings/:warningId/acknowledge',
    handle(async (req, res, principal, actor) => {
      requireRole(principal, 'residents:write');
      const body = req.body as { version: number; note?: string };
      res.json(toWarningView(await warnings.acknowledge(actor, param(req, 'warningId'), body)));
    }),
  );

  router.post(
    '/v1/warnings/:warningId/resolve',
    handle(async (req, res, principal, actor) => {
      requireRole(principal, 'residents:write');
      const body = req.body as { version: number; resolution: string };
      res.json(toWarningView(await warnings.resolve(actor, param(req, 'warningId'), body)));
    }),
  );

  router.get(
    '/v1/audit-log',
    handle(async (req, res, principal) => {
      requireRole(principal, 'residents:read');
      const { limit, after } = pageRequest(req);
      // The caller's areas are part of the query, not a filter of its answer: a person who moved
      // has entries in two areas, and a page cut after reading would end the trail early.
      const rows = await repository.auditTrail(
        String(queryString(req, 'subjectId')),
        { communityCode: { $ne: null }, ...areaFilter(principal) },
        after,
        limit + 1,
      );
      sendPage(res, rows, limit, (e) => {
        const { _id, ...rest } = e;
        return { id: _id, ...rest, at: new Date(e.at).toISOString() };
      });
    }),
  );
}

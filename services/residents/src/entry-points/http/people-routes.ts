import { AppError, canAccessArea, requireRole } from '@employment/core';
import type { Router } from 'express';
import type { ResidentsRepository } from '../../data-access/residents-repository.ts';
import type { People, ProfilePatch } from '../../domain/people.ts';
import type { RegistrationInput } from '../../domain/registration.ts';
import { accessEntry, type Registry } from '../../domain/registry.ts';
import { toResidentView } from '../../domain/views.ts';
import type { EmploymentStatus } from '../../domain/vocabulary.ts';
import { handle, pageRequest, param, queryString, sendPage } from './handle.ts';

/** People: registration, reads, profile and employment status. */
export function peopleRoutes(
  router: Router,
  deps: { registry: Registry; people: People; repository: ResidentsRepository },
): void {
  const { registry, people, repository } = deps;

  router.post(
    '/v1/residents',
    handle(async (req, res, principal, actor) => {
      requireRole(principal, 'residents:write');
      const resident = await registry.registerOne(actor, req.body as RegistrationInput);
      res.status(201).location(`/v1/residents/${resident.id}`).json(resident);
    }),
  );

  router.post(
    '/v1/residents/batch',
    handle(async (req, res, principal, actor) => {
      requireRole(principal, 'residents:write');
      res.json(await registry.registerBatch(actor, (req.body as { residents: unknown[] }).residents));
    }),
  );

  router.post(
    '/v1/residents/lookup',
    handle(async (req, res, principal, actor) => {
      requireRole(principal, 'residents:read');
      res.json(await registry.lookup(actor, (req.body as { nationalId: string }).nationalId));
    }),
  );

  router.get(
    '/v1/residents/:residentId',
    handle(async (req, res, principal, actor) => {
      requireRole(principal, 'residents:read');
      res.json(await registry.read(actor, param(req, 'residentId')));
    }),
  );

  router.patch(
    '/v1/residents/:residentId',
    handle(async (req, res, principal, actor) => {
      requireRole(principal, 'residents:write');
      res.json(await people.updateProfile(actor, param(req, 'residentId'), req.body as ProfilePatch));
    }),
  );

  router.post(
    '/v1/residents/:residentId/employment-status',
    handle(async (req, res, principal, actor) => {
      requireRole(principal, 'residents:write');
      const body = req.body as {
        status: EmploymentStatus;
        since?: string;
        reason?: string;
        placementId?: string;
        version: number;
      };
      res.json(
        await people.changeStatus(actor, param(req, 'residentId'), {
          status: body.status,
          version: body.version,
          ...(body.since ? { since: new Date(body.since) } : {}),
          ...(body.reason ? { reason: body.reason } : {}),
          ...(body.placementId ? { placementId: body.placementId } : {}),
        }),
      );
    }),
  );

  router.get(
    '/v1/residents/:residentId/employment-history',
    handle(async (req, res, principal) => {
      requireRole(principal, 'residents:read');
      const residentId = param(req, 'residentId');
      res.json({ residentId, periods: await people.history(principal, residentId) });
    }),
  );

  router.get(
    '/v1/communities/:communityCode/residents',
    handle(async (req, res, principal, actor) => {
      requireRole(principal, 'residents:read');
      const communityCode = param(req, 'communityCode');
      if (!canAccessArea(principal, communityCode))
        throw new AppError('not-found', 'no such community in your area');
      const { limit, after } = pageRequest(req);
      const rows = await repository.listByCommunity({
        communityCode,
        after,
        limit: limit + 1,
        employmentStatus: queryString(req, 'employmentStatus'),
      });
      await repository.recordAccess([
        accessEntry(actor, 'community.residents-listed', communityCode, communityCode, new Date()),
      ]);
      sendPage(res, rows, limit, toResidentView);
    }),
  );
}

import {
  AppError,
  canAccessArea,
  decodeCursor,
  type Principal,
  principalOf,
  requireRole,
  toPage,
} from '@employment/kit';
import type { Request, Response, Router } from 'express';
import type { ResidentsRepository } from '../../data-access/residents-repository.ts';
import type { RegistrationInput } from '../../domain/registration.ts';
import { accessEntry, type Registry } from '../../domain/registry.ts';
import { toResidentView } from '../../domain/views.ts';

/** Thin HTTP layer: the kit has already authenticated and validated; routes translate and delegate. */
export function residentsRoutes(
  router: Router,
  deps: { registry: Registry; repository: ResidentsRepository },
): void {
  const { registry, repository } = deps;
  const handle =
    (fn: (req: Request, res: Response, principal: Principal) => Promise<void>) =>
    async (req: Request, res: Response, next: (err?: unknown) => void) => {
      try {
        await fn(req, res, principalOf(req));
      } catch (err) {
        next(err);
      }
    };

  router.post(
    '/v1/residents',
    handle(async (req, res, principal) => {
      requireRole(principal, 'residents:write');
      const resident = await registry.registerOne(principal, req.body as RegistrationInput, req.requestId);
      res.status(201).location(`/v1/residents/${resident.id}`).json(resident);
    }),
  );

  router.post(
    '/v1/residents/batch',
    handle(async (req, res, principal) => {
      requireRole(principal, 'residents:write');
      const result = await registry.registerBatch(
        principal,
        (req.body as { residents: unknown[] }).residents,
        req.requestId,
      );
      res.status(200).json(result);
    }),
  );

  router.get(
    '/v1/residents/:residentId',
    handle(async (req, res, principal) => {
      requireRole(principal, 'residents:read');
      res.json(await registry.read(principal, String(req.params.residentId), req.requestId));
    }),
  );

  router.get(
    '/v1/communities/:communityCode/residents',
    handle(async (req, res, principal) => {
      requireRole(principal, 'residents:read');
      const communityCode = String(req.params.communityCode);
      if (!canAccessArea(principal, communityCode))
        throw new AppError('not-found', 'no such community in your area');
      const limit = (req.query.limit as number | undefined) ?? 50;
      const cursor = decodeCursor<{ after: string }>(req.query.cursor as string | undefined, ['after']);
      const rows = await repository.listByCommunity({
        communityCode,
        after: cursor?.after,
        limit: limit + 1,
        employmentStatus: req.query.employmentStatus as string | undefined,
      });
      const page = toPage(rows, limit, (last) => ({ after: last._id }));
      await repository.recordAccess([
        accessEntry(
          principal,
          'community.residents-listed',
          communityCode,
          communityCode,
          req.requestId,
          new Date(),
        ),
      ]);
      res.json({ items: page.items.map(toResidentView), nextCursor: page.nextCursor });
    }),
  );

  router.get(
    '/v1/communities/:communityCode/statistics',
    handle(async (req, res, principal) => {
      requireRole(principal, 'residents:read');
      const communityCode = String(req.params.communityCode);
      if (!canAccessArea(principal, communityCode))
        throw new AppError('not-found', 'no such community in your area');
      const stats = await repository.communityStats(communityCode);
      res.json({
        communityCode,
        registered: stats?.registered ?? 0,
        byEmploymentStatus: stats?.byStatus ?? {},
        updatedAt: stats?.updatedAt ? new Date(stats.updatedAt).toISOString() : null,
      });
    }),
  );
}

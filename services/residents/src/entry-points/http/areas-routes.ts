import { AppError, canAccessArea, requireRole, toPage } from '@employment/core';
import type { Router } from 'express';
import type { CommunityStatsDocument } from '../../data-access/models.ts';
import type { ResidentsRepository } from '../../data-access/residents-repository.ts';
import type { AreaRegistry } from '../../domain/areas.ts';
import { chinaYear } from '../../domain/calendar.ts';
import { handle, pageRequest, param, queryInt } from './handle.ts';

/** Adds up per-community counters. */
function rollUp(rows: CommunityStatsDocument[], year: number) {
  const sumMap = (pick: (r: CommunityStatsDocument) => Record<string, number> | undefined) => {
    const out: Record<string, number> = {};
    for (const r of rows) for (const [k, v] of Object.entries(pick(r) ?? {})) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  const sum = (pick: (r: CommunityStatsDocument) => number | undefined) =>
    rows.reduce((n, r) => n + (pick(r) ?? 0), 0);
  const households = sum((r) => r.households);
  const surveyed = sum((r) => r.surveyedHouseholds?.[String(year)]);
  return {
    communities: rows.length,
    registered: sum((r) => r.registered),
    byEmploymentStatus: sumMap((r) => r.byStatus as Record<string, number>),
    households,
    zeroEmploymentHouseholds: sum((r) => r.zeroEmploymentHouseholds),
    doubleUnemployedHouseholds: sum((r) => r.doubleUnemployedHouseholds),
    surveys: sum((r) => r.surveys),
    year,
    surveyedHouseholds: surveyed,
    surveyCoverage: households > 0 ? Math.round((surveyed / households) * 10_000) / 10_000 : null,
    certificatesIssued: sum((r) => r.certificatesIssued),
    certificatesActive: sum((r) => r.certificatesActive),
    deliveries: sumMap((r) => r.deliveries as Record<string, number>),
    openWarnings: sum((r) => r.openWarnings),
  };
}

export function areasRoutes(
  router: Router,
  deps: { areas: AreaRegistry; repository: ResidentsRepository; now: () => Date },
): void {
  const { areas, repository } = deps;

  router.get(
    '/v1/areas',
    handle(async (_req, res, principal) => {
      requireRole(principal, 'residents:read');
      res.json({ items: areas.entryPoints(principal) });
    }),
  );

  router.post(
    '/v1/areas/batch',
    handle(async (req, res, _principal, actor) => {
      res.json(await areas.importBatch(actor, (req.body as { areas: unknown[] }).areas));
    }),
  );

  router.get(
    '/v1/areas/:areaCode',
    handle(async (req, res, principal) => {
      requireRole(principal, 'residents:read');
      res.json(await areas.read(principal, param(req, 'areaCode')));
    }),
  );

  router.put(
    '/v1/areas/:areaCode',
    handle(async (req, res, _principal, actor) => {
      const body = req.body as { name: string; version?: number };
      const { created, area } = await areas.define(actor, param(req, 'areaCode'), body.name, body.version);
      res.status(created ? 201 : 200).json(area);
    }),
  );

  router.get(
    '/v1/areas/:areaCode/children',
    handle(async (req, res, principal) => {
      requireRole(principal, 'residents:read');
      const { limit, after } = pageRequest(req);
      const rows = await areas.children(principal, param(req, 'areaCode'), after, limit + 1);
      res.json(toPage(rows, limit, (last) => last.code));
    }),
  );

  router.get(
    '/v1/communities/:communityCode/statistics',
    handle(async (req, res, principal) => {
      requireRole(principal, 'residents:read');
      const communityCode = param(req, 'communityCode');
      if (!canAccessArea(principal, communityCode))
        throw new AppError('not-found', 'no such community in your area');
      const stats = await repository.communityStats(communityCode);
      res.json({
        communityCode,
        registered: stats?.registered ?? 0,
        byEmploymentStatus: Object.fromEntries(
          Object.entries(stats?.byStatus ?? {}).filter(([, n]) => n !== 0),
        ),
        households: stats?.households ?? 0,
        zeroEmploymentHouseholds: stats?.zeroEmploymentHouseholds ?? 0,
        doubleUnemployedHouseholds: stats?.doubleUnemployedHouseholds ?? 0,
        surveys: stats?.surveys ?? 0,
        surveyedHouseholds: stats?.surveyedHouseholds ?? {},
        certificatesIssued: stats?.certificatesIssued ?? 0,
        certificatesActive: stats?.certificatesActive ?? 0,
        deliveries: stats?.deliveries ?? {},
        openWarnings: stats?.openWarnings ?? 0,
        updatedAt: stats?.updatedAt ? new Date(stats.updatedAt).toISOString() : null,
      });
    }),
  );

  router.get(
    '/v1/areas/:areaCode/statistics',
    handle(async (req, res, principal) => {
      requireRole(principal, 'residents:read');
      const areaCode = param(req, 'areaCode');
      await areas.read(principal, areaCode);
      // Ancestors of the caller's scope are visible as nodes, but their figures cover other areas.
      if (!canAccessArea(principal, areaCode)) throw new AppError('not-found', 'no such area in your scope');
      const year = queryInt(req, 'year') ?? chinaYear(deps.now());
      res.json({ areaCode, ...rollUp(await repository.statsUnder(areaCode), year) });
    }),
  );
}

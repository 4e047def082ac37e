import { areaFilter } from '@employment/core';
import { pageRequest, param, route, sendPage } from '@employment/http';
import type { Request, Response, Router } from 'express';
import type { ReferralState } from '../../data-access/models.ts';
import type { JobsRepository } from '../../data-access/repository.ts';
import type { CandidateProfiles, PreferencesInput } from '../../domain/candidate-profiles.ts';
import type {
  ContactInput,
  EmployerInput,
  EmployerRegistry,
  HiringLinkInput,
} from '../../domain/employers.ts';
import type { Matcher } from '../../domain/matcher.ts';
import type { EndInput, FollowUpInput, PlacementDesk, PlacementInput } from '../../domain/placements.ts';
import type { ReferralDesk } from '../../domain/referrals.ts';
import type { SkillVocabulary } from '../../domain/skills.ts';
import type { VacancyBoard, VacancyInput } from '../../domain/vacancies.ts';
import {
  toAuditView,
  toEmployerView,
  toPlacementView,
  toReferralView,
  toVacancyView,
} from '../../domain/views.ts';

export interface JobsRouteDeps {
  repository: JobsRepository;
  vocabulary: SkillVocabulary;
  employers: EmployerRegistry;
  vacancies: VacancyBoard;
  candidates: CandidateProfiles;
  matcher: Matcher;
  referrals: ReferralDesk;
  placements: PlacementDesk;
  matchPageMax: number;
}

const READ = 'jobs:read';
const WRITE = 'jobs:write';

/** Thin HTTP layer: the kit has authenticated and validated; routes translate and delegate. */
export function jobsRoutes(router: Router, deps: JobsRouteDeps): void {
  const { repository, vocabulary } = deps;
  const query = (req: Request) => req.query as Record<string, string | number | boolean | undefined>;
  const pageArgs = (req: Request) => pageRequest(req);
  const created = (res: Response, location: string, body: unknown) => {
    res.status(201).location(location).json(body);
  };

  // Employers

  router.post(
    '/v1/employers',
    route(WRITE, async (req, res, caller) => {
      const employer = await deps.employers.register(caller, req.body as EmployerInput);
      created(res, `/v1/employers/${employer.id}`, employer);
    }),
  );

  router.get(
    '/v1/employers',
    route(READ, async (req, res) => {
      const { limit, after } = pageArgs(req);
      const q = query(req);
      const filter: Record<string, unknown> = {};
      if (q.area) filter.communityCode = { $gte: q.area, $lt: `${q.area}\uffff` };
      if (q.creditCode) filter.creditCode = String(q.creditCode).toUpperCase();
      sendPage(res, await repository.listEmployers(filter, after, limit + 1), limit, toEmployerView);
    }),
  );

  router.get(
    '/v1/employers/:employerId',
    route(READ, async (req, res) => {
      res.json(await deps.employers.read(param(req, 'employerId')));
    }),
  );

  router.post(
    '/v1/employers/:employerId/contacts',
    route(WRITE, async (req, res, caller) => {
      res.json(await deps.employers.addContact(caller, param(req, 'employerId'), req.body as ContactInput));
    }),
  );

  router.post(
    '/v1/employers/:employerId/hiring-links',
    route(WRITE, async (req, res, caller) => {
      res.json(
        await deps.employers.addHiringLink(caller, param(req, 'employerId'), req.body as HiringLinkInput),
      );
    }),
  );

  // Vacancies and public-welfare posts

  router.post(
    '/v1/vacancies',
    route(WRITE, async (req, res, caller) => {
      const vacancy = await deps.vacancies.post(caller, req.body as VacancyInput);
      created(res, `/v1/vacancies/${vacancy.id}`, vacancy);
    }),
  );

  router.get(
    '/v1/vacancies',
    route(READ, async (req, res) => {
      const { limit, after } = pageArgs(req);
      const q = query(req);
      const today = deps.vacancies.today();
      const and: Record<string, unknown>[] = [];
      if (q.area) and.push({ communityCode: { $gte: q.area, $lt: `${q.area}\uffff` } });
      if (q.kind) and.push({ kind: q.kind });
      if (q.employerId) and.push({ 'employer.id': q.employerId });
      if (q.occupation) and.push({ 'occupation.concept': vocabulary.ref(String(q.occupation)).concept });
      if (q.publicWelfareCategory) and.push({ 'publicWelfare.category': q.publicWelfareCategory });
      if (q.state === 'open') and.push({ state: 'open', closesOn: { $gte: today } });
      else if (q.state === 'filled') and.push({ state: 'filled' });
      else if (q.state === 'closed')
        and.push({ $or: [{ state: 'closed' }, { state: 'open', closesOn: { $lt: today } }] });
      const rows = await repository.listVacancies(and.length > 0 ? { $and: and } : {}, after, limit + 1);
      sendPage(res, rows, limit, (v) => toVacancyView(vocabulary, v, today));
    }),
  );

  router.get(
    '/v1/vacancies/:vacancyId',
    route(READ, async (req, res) => {
      res.json(await deps.vacancies.read(param(req, 'vacancyId')));
    }),
  );

  router.post(
    '/v1/vacancies/:vacancyId/close',
    route(WRITE, async (req, res, caller) => {
      res.json(
        await deps.vacancies.close(caller, param(req, 'vacancyId'), (req.body as { reason: string }).reason),
      );
    }),
  );

  router.get(
    '/v1/vacancies/:vacancyId/candidates',
    route(READ, async (req, res, caller) => {
      const q = query(req);
      const started = performance.now();
      const result = await deps.matcher.candidatesFor(caller, param(req, 'vacancyId'), {
        limit: Math.min((q.limit as number | undefined) ?? 20, deps.matchPageMax),
        ...(q.cursor ? { cursor: String(q.cursor) } : {}),
        ...(q.minScore !== undefined ? { minScore: q.minScore as number } : {}),
      });
      // How long the service took (scoring the pool and the store round trips), apart from the network.
      res.setHeader('server-timing', `match;dur=${(performance.now() - started).toFixed(1)}`);
      res.json(result);
    }),
  );

  // Candidates (the read model built from residents' events)

  router.get(
    '/v1/candidates',
    route(READ, async (req, res, caller) => {
      const { limit, after } = pageArgs(req);
      const q = query(req);
      const rows = await deps.candidates.list(caller, {
        ...(q.communityCode ? { communityCode: String(q.communityCode) } : {}),
        ...(after ? { after } : {}),
        limit,
      });
      sendPage(res, rows, limit, (c) => deps.candidates.view(c));
    }),
  );

  router.get(
    '/v1/candidates/:residentId',
    route(READ, async (req, res, caller) => {
      res.json(await deps.candidates.read(caller, param(req, 'residentId')));
    }),
  );

  router.put(
    '/v1/candidates/:residentId/preferences',
    route(WRITE, async (req, res, caller) => {
      res.json(
        await deps.candidates.setPreferences(caller, param(req, 'residentId'), req.body as PreferencesInput),
      );
    }),
  );

  router.get(
    '/v1/candidates/:residentId/vacancies',
    route(READ, async (req, res, caller) => {
      const q = query(req);
      res.json(
        await deps.matcher.vacanciesFor(caller, param(req, 'residentId'), {
          limit: Math.min((q.limit as number | undefined) ?? 20, deps.matchPageMax),
          ...(q.cursor ? { cursor: String(q.cursor) } : {}),
          ...(q.minScore !== undefined ? { minScore: q.minScore as number } : {}),
        }),
      );
    }),
  );

  // Referrals

  router.post(
    '/v1/referrals',
    route(WRITE, async (req, res, caller) => {
      const referral = await deps.referrals.propose(
        caller,
        req.body as { vacancyId: string; residentId: string; note?: string },
      );
      created(res, `/v1/referrals/${referral.id}`, referral);
    }),
  );

  router.get(
    '/v1/referrals',
    route(READ, async (req, res, caller) => {
      const { limit, after } = pageArgs(req);
      const q = query(req);
      const and: Record<string, unknown>[] = [areaFilter(caller.principal)];
      if (q.vacancyId) and.push({ vacancyId: q.vacancyId });
      if (q.residentId) and.push({ residentId: q.residentId });
      if (q.state) and.push({ state: q.state });
      sendPage(res, await repository.listReferrals({ $and: and }, after, limit + 1), limit, toReferralView);
    }),
  );

  router.get(
    '/v1/referrals/:referralId',
    route(READ, async (req, res, caller) => {
      res.json(toReferralView(await deps.referrals.visible(caller, param(req, 'referralId'))));
    }),
  );

  router.post(
    '/v1/referrals/:referralId/transitions',
    route(WRITE, async (req, res, caller) => {
      res.json(
        await deps.referrals.transition(
          caller,
          param(req, 'referralId'),
          req.body as { to: ReferralState; note?: string; expectedVersion?: number },
        ),
      );
    }),
  );

  // Placements and follow-ups

  router.post(
    '/v1/placements',
    route(WRITE, async (req, res, caller) => {
      const placement = await deps.placements.place(caller, req.body as PlacementInput);
      created(res, `/v1/placements/${placement.id}`, placement);
    }),
  );

  router.get(
    '/v1/placements',
    route(READ, async (req, res, caller) => {
      const { limit, after } = pageArgs(req);
      const q = query(req);
      const and: Record<string, unknown>[] = [areaFilter(caller.principal)];
      if (q.residentId) and.push({ residentId: q.residentId });
      if (q.vacancyId) and.push({ vacancyId: q.vacancyId });
      if (q.status) and.push({ status: q.status });
      if (q.followUpDueBy) and.push({ status: 'active', 'nextFollowUp.dueOn': { $lte: q.followUpDueBy } });
      sendPage(res, await repository.listPlacements({ $and: and }, after, limit + 1), limit, toPlacementView);
    }),
  );

  router.get(
    '/v1/placements/:placementId',
    route(READ, async (req, res, caller) => {
      res.json(toPlacementView(await deps.placements.visible(caller, param(req, 'placementId'))));
    }),
  );

  router.post(
    '/v1/placements/:placementId/follow-ups',
    route(WRITE, async (req, res, caller) => {
      const placement = await deps.placements.followUp(
        caller,
        param(req, 'placementId'),
        req.body as FollowUpInput,
      );
      res.status(201).json(placement);
    }),
  );

  router.post(
    '/v1/placements/:placementId/end',
    route(WRITE, async (req, res, caller) => {
      res.json(await deps.placements.end(caller, param(req, 'placementId'), req.body as EndInput));
    }),
  );

  // Vocabulary and audit

  router.get(
    '/v1/vocabulary/skills',
    route(READ, async (req, res) => {
      const q = query(req);
      const limit = (q.limit as number | undefined) ?? 20;
      const kind = q.kind as 'skill' | 'occupation' | undefined;
      const text = String(q.q ?? '');
      const resolved = text ? vocabulary.resolve(text) : undefined;
      const found = vocabulary.search(text, { limit, ...(kind ? { kind } : {}) });
      const items =
        resolved && !found.some((c) => c.id === resolved.id) ? [resolved, ...found].slice(0, limit) : found;
      res.json({
        query: text,
        resolved: resolved?.id ?? null,
        items: items.map((c) => ({ ...c, skills: c.skills ?? [] })),
        size: vocabulary.size,
      });
    }),
  );

  router.get(
    '/v1/audit-log',
    route(READ, async (req, res, caller) => {
      const { limit, after } = pageArgs(req);
      const scope = areaFilter(caller.principal);
      // Entries about people carry their community: those outside the caller's area stay hidden.
      const filter = {
        subjectId: String(query(req).subjectId),
        ...(Object.keys(scope).length > 0 ? { $or: [{ communityCode: null }, scope] } : {}),
      };
      sendPage(res, await repository.auditTrail(filter, after, limit + 1), limit, toAuditView);
    }),
  );
}

import { AppError, canAccessArea, requireRole } from '@employment/core';
import type { Router } from 'express';
import type { ResidentsRepository } from '../../data-access/residents-repository.ts';
import type { HouseholdInput, Households } from '../../domain/households.ts';
import { type SurveyInput, type Surveys, toSurveyView } from '../../domain/surveys.ts';
import { type DeliveryInput, type Tracking, toCardView, toDeliveryView } from '../../domain/tracking.ts';
import type { HouseholdRelation, ServiceKind } from '../../domain/vocabulary.ts';
import { handle, pageRequest, param, queryBool, queryInt, queryString, sendPage } from './handle.ts';

/** Households, their surveys, tracking cards and contacts. */
export function householdsRoutes(
  router: Router,
  deps: { households: Households; surveys: Surveys; tracking: Tracking; repository: ResidentsRepository },
): void {
  const { households, surveys, tracking, repository } = deps;

  router.post(
    '/v1/households',
    handle(async (req, res, principal, actor) => {
      requireRole(principal, 'residents:write');
      const household = await households.create(
        actor,
        req.body as HouseholdInput & { members?: Array<{ residentId: string; relation: HouseholdRelation }> },
      );
      res.status(201).location(`/v1/households/${household._id}`).json(households.view(household));
    }),
  );

  router.post(
    '/v1/households/batch',
    handle(async (req, res, principal, actor) => {
      requireRole(principal, 'residents:write');
      res.json(await households.registerBatch(actor, (req.body as { households: unknown[] }).households));
    }),
  );

  router.get(
    '/v1/households/:householdId',
    handle(async (req, res, principal) => {
      requireRole(principal, 'residents:read');
      res.json(households.view(await households.read(principal, param(req, 'householdId'))));
    }),
  );

  router.post(
    '/v1/households/:householdId/members',
    handle(async (req, res, principal, actor) => {
      requireRole(principal, 'residents:write');
      const body = req.body as { residentId: string; relation: HouseholdRelation };
      res.json(households.view(await households.addMember(actor, param(req, 'householdId'), body)));
    }),
  );

  router.delete(
    '/v1/households/:householdId/members/:residentId',
    handle(async (req, res, principal, actor) => {
      requireRole(principal, 'residents:write');
      res.json(
        households.view(
          await households.removeMember(actor, param(req, 'householdId'), param(req, 'residentId')),
        ),
      );
    }),
  );

  router.post(
    '/v1/households/:householdId/surveys',
    handle(async (req, res, principal, actor) => {
      requireRole(principal, 'residents:write');
      res.status(201).json(await surveys.record(actor, param(req, 'householdId'), req.body as SurveyInput));
    }),
  );

  router.get(
    '/v1/households/:householdId/surveys',
    handle(async (req, res, principal) => {
      requireRole(principal, 'residents:read');
      const { limit, after } = pageRequest(req);
      sendPage(
        res,
        await surveys.list(principal, param(req, 'householdId'), after, limit + 1),
        limit,
        toSurveyView,
      );
    }),
  );

  router.post(
    '/v1/households/:householdId/tracking-card',
    handle(async (req, res, principal, actor) => {
      requireRole(principal, 'residents:write');
      const { created, card } = await tracking.openCard(actor, param(req, 'householdId'));
      res.status(created ? 201 : 200).json(toCardView(card));
    }),
  );

  router.get(
    '/v1/households/:householdId/tracking-card',
    handle(async (req, res, principal) => {
      requireRole(principal, 'residents:read');
      res.json(toCardView(await tracking.readCard(principal, param(req, 'householdId'))));
    }),
  );

  router.post(
    '/v1/households/:householdId/tracking-card/deliveries',
    handle(async (req, res, principal, actor) => {
      requireRole(principal, 'residents:write');
      const delivery = await tracking.deliver(actor, param(req, 'householdId'), req.body as DeliveryInput);
      res.status(201).json(toDeliveryView(delivery));
    }),
  );

  router.get(
    '/v1/households/:householdId/tracking-card/deliveries',
    handle(async (req, res, principal) => {
      requireRole(principal, 'residents:read');
      const { limit, after } = pageRequest(req);
      const rows = await tracking.deliveries(
        principal,
        param(req, 'householdId'),
        queryString(req, 'kind') as ServiceKind | undefined,
        after,
        limit + 1,
      );
      sendPage(res, rows, limit, toDeliveryView);
    }),
  );

  router.get(
    '/v1/households/:householdId/contacts',
    handle(async (req, res, principal) => {
      requireRole(principal, 'residents:read');
      res.json(await tracking.contactsOf(principal, param(req, 'householdId')));
    }),
  );

  router.get(
    '/v1/communities/:communityCode/households',
    handle(async (req, res, principal) => {
      requireRole(principal, 'residents:read');
      const communityCode = param(req, 'communityCode');
      if (!canAccessArea(principal, communityCode))
        throw new AppError('not-found', 'no such community in your area');
      const { limit, after } = pageRequest(req);
      const filter: Record<string, unknown> = { communityCode };
      const zeroEmployment = queryBool(req, 'zeroEmployment');
      const doubleUnemployed = queryBool(req, 'doubleUnemployed');
      const notSurveyedIn = queryInt(req, 'notSurveyedIn');
      if (zeroEmployment !== undefined) filter['status.zeroEmployment'] = zeroEmployment;
      if (doubleUnemployed !== undefined) filter['status.doubleUnemployed'] = doubleUnemployed;
      if (notSurveyedIn !== undefined) filter.surveyedYears = { $ne: notSurveyedIn };
      sendPage(res, await repository.listHouseholds(filter, after, limit + 1), limit, (h) =>
        households.view(h),
      );
    }),
  );
}

import { SurveyRecordedSchema } from '@employment/contracts';
import { AppError, type Principal } from '@employment/core';
import { newId } from '@employment/messaging';
import { COLLECTIONS, type SurveyDocument } from '../data-access/models.ts';
import type { ResidentsRepository } from '../data-access/residents-repository.ts';
import { chinaYear } from './calendar.ts';
import { type Actor, auditEntry, type ChangeWriter, commitOne, insertAudit } from './changes.ts';
import { surveyOutcomeToPb, timestamp } from './events.ts';
import type { Households } from './households.ts';
import type { SurveyOutcome } from './vocabulary.ts';

export interface SurveyInput {
  visitedAt: string;
  visitedBy: { name: string; staffId?: string };
  outcome: SurveyOutcome;
  findings?: { summary?: string; needs?: string[]; membersPresent?: number; notes?: string };
}

export interface SurveyView {
  id: string;
  householdId: string;
  communityCode: string;
  visitedAt: string;
  year: number;
  visitedBy: { name: string; staffId: string | null };
  outcome: SurveyOutcome;
  findings: SurveyDocument['findings'];
  recordedBy: string;
  createdAt: string;
}

export function toSurveyView(s: SurveyDocument): SurveyView {
  return {
    id: s._id,
    householdId: s.householdId,
    communityCode: s.communityCode,
    visitedAt: new Date(s.visitedAt).toISOString(),
    year: s.year,
    visitedBy: s.visitedBy,
    outcome: s.outcome,
    findings: s.findings,
    recordedBy: s.recordedBy,
    createdAt: new Date(s.createdAt).toISOString(),
  };
}

/** Door-to-door household surveys (入户调查): each visit with what it found. */
export class Surveys {
  private readonly deps: {
    repository: ResidentsRepository;
    writer: ChangeWriter;
    households: Households;
    topic: string;
    now: () => Date;
  };

  constructor(deps: Surveys['deps']) {
    this.deps = deps;
  }

  async record(actor: Actor, householdId: string, input: SurveyInput): Promise<SurveyView> {
    const household = await this.deps.households.read(actor.principal, householdId);
    const now = this.deps.now();
    const visitedAt = new Date(input.visitedAt);
    if (visitedAt.getTime() > now.getTime() + 5 * 60_000) {
      throw new AppError('validation-failed', '/visitedAt: is in the future', {
        errors: [{ in: 'body', pointer: '/visitedAt', detail: 'is in the future' }],
      });
    }
    const survey: SurveyDocument = {
      _id: newId(),
      householdId: household._id,
      communityCode: household.communityCode,
      visitedAt,
      year: chinaYear(visitedAt),
      visitedBy: { name: input.visitedBy.name.trim(), staffId: input.visitedBy.staffId ?? null },
      outcome: input.outcome,
      findings: {
        summary: input.findings?.summary?.trim() || null,
        needs: [...new Set(input.findings?.needs ?? [])],
        membersPresent: input.findings?.membersPresent ?? null,
        notes: input.findings?.notes?.trim() || null,
      },
      recordedBy: actor.principal.clientId,
      createdAt: now,
    };
    const later =
      !household.lastSurveyedAt || visitedAt.getTime() > new Date(household.lastSurveyedAt).getTime();
    const householdUpdate: Record<string, unknown> = {};
    if (survey.outcome === 'completed') householdUpdate.$addToSet = { surveyedYears: survey.year };
    if (later) householdUpdate.$set = { lastSurveyedAt: visitedAt };
    const change = this.deps.writer.change(
      [
        { op: 'insert', collection: COLLECTIONS.surveys, document: survey },
        ...(Object.keys(householdUpdate).length > 0
          ? [
              {
                op: 'update' as const,
                collection: COLLECTIONS.households,
                filter: { _id: household._id },
                update: householdUpdate,
              },
            ]
          : []),
        insertAudit(
          auditEntry(
            actor,
            'survey.recorded',
            { type: 'household', id: household._id, communityCode: household.communityCode },
            null,
            { surveyId: survey._id, visitedAt, outcome: survey.outcome, findings: survey.findings },
            now,
          ),
        ),
      ],
      [
        {
          topic: this.deps.topic,
          subject: household._id,
          communityCode: household.communityCode,
          schema: SurveyRecordedSchema,
          payload: {
            surveyId: survey._id,
            householdId: household._id,
            communityCode: household.communityCode,
            visitedAt: timestamp(visitedAt),
            outcome: surveyOutcomeToPb[survey.outcome],
            needs: survey.findings.needs,
            year: survey.year,
            visitedBy: survey.visitedBy.staffId ?? survey.visitedBy.name,
            recordedBy: actor.principal.clientId,
          },
          occurredAt: now,
        },
      ],
    );
    await commitOne(this.deps.writer, change);
    return toSurveyView(survey);
  }

  async list(principal: Principal, householdId: string, after: string | undefined, limit: number) {
    await this.deps.households.read(principal, householdId);
    return this.deps.repository.listSurveys(householdId, after, limit);
  }
}

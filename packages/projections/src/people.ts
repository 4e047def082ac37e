import {
  CertificateCheckedSchema,
  CertificateIssuedSchema,
  CertificateRevokedSchema,
  DepartureReasonSchema,
  type EducationName,
  type EmploymentStatusChanged,
  EmploymentStatusChangedSchema,
  type EmploymentStatusName,
  educationFromPb,
  employmentStatusFromPb,
  type HardshipCategoryName,
  HouseholdRelationSchema,
  HouseholdStatusChangedSchema,
  hardshipFromPb,
  ResidentDepartedSchema,
  type ResidentProfileChanged,
  ResidentProfileChangedSchema,
  type ResidentRegistered,
  ResidentRegisteredSchema,
  type SexName,
  sexFromPb,
  type WorkCapacityName,
  workCapacityFromPb,
} from '@employment/contracts';
import type { IsoDate, Page } from '@employment/core';
import {
  type BatchEventHandler,
  decodePayload,
  type EventContext,
  type EventHandler,
  envelopeOccurredAt,
} from '@employment/messaging';
import type { Connection } from 'mongoose';
import {
  applyFact,
  applyFacts,
  dateOf,
  enumName,
  type Fact,
  instantOf,
  pageOfArea,
  registerReadModel,
  requireFields,
  withoutBookkeeping,
} from './read-model.ts';

/** The collections of the people read model, in the database of the service that keeps it. */
export const PEOPLE_COLLECTIONS = {
  people: 'read_people',
  households: 'read_households',
  certificates: 'read_certificates',
} as const;

/**
 * A person as residents' events describe them. Three parts move on their own, each written only
 * by events newer than the one that wrote it last: what never changes (sex, birth date: the
 * registration), the profile (`profileVersion`: the registration is version 1, then each
 * ResidentProfileChanged) and the employment status (`statusVersion`: the registration, then each
 * EmploymentStatusChanged). Both versions count the same aggregate's versions, so an event older
 * than the part it would write is left out.
 */
export interface PersonRecord {
  _id: string;
  communityCode: string;
  fullName: string;
  sex: SexName | null;
  birthDate: IsoDate | null;
  education: EducationName | null;
  workCapacity: WorkCapacityName | null;
  hardshipCategories: HardshipCategoryName[];
  skills: string[];
  occupation: string | null;
  householdId: string | null;
  /** The relation to the head of the household (`spouse`, `child`...); null outside one or unknown. */
  householdRelation: string | null;
  employmentStatus: EmploymentStatusName | null;
  /** When the current status began. */
  statusSince: Date | null;
  /** Null until the registration itself has been seen. */
  registeredAt: Date | null;
  profileVersion: number;
  statusVersion: number;
  /** The day the person died or moved out of the city (ResidentDeparted); final once set. */
  departedOn: IsoDate | null;
  departureReason: 'died' | 'moved-out-of-city' | null;
}

/** A household's zero-employment status (零就业家庭), as its last HouseholdStatusChanged says. */
export interface HouseholdRecord {
  _id: string;
  communityCode: string;
  zeroEmployment: boolean;
  doubleUnemployed: boolean;
  /** When the current status began. */
  since: Date | null;
  /** The working-day deadline for placing someone of a zero-employment household. */
  placementDueAt: Date | null;
  memberResidentIds: string[];
  version: number;
}

/**
 * A Reemployment Preferential Certificate (《再就业优惠证》): issued, checked every year, revoked.
 * `revoked` is final: no later-arriving issue or check brings it back.
 */
export interface CertificateRecord {
  _id: string;
  residentId: string;
  communityCode: string;
  number: string | null;
  status: 'issued' | 'revoked';
  issuedOn: IsoDate | null;
  nextCheckDue: IsoDate | null;
  /** When the event that set nextCheckDue happened: only a later one may move it. */
  nextCheckDueAsOf: Date | null;
  lastCheckYear: number;
  lastCheckPassed: boolean | null;
  revokedAt: Date | null;
  revocationReason: string | null;
}

export type Person = Omit<PersonRecord, '_id' | 'profileVersion' | 'statusVersion'> & {
  id: string;
  /** The household's status; null when the person has none or it is not known yet. */
  zeroEmploymentHousehold: boolean | null;
};
export type Household = Omit<HouseholdRecord, '_id' | 'version'> & { id: string };
export type Certificate = Omit<CertificateRecord, '_id' | 'nextCheckDueAsOf'> & { id: string };

// What each event knows, as facts about a record.

const hardship = (values: readonly number[]): HardshipCategoryName[] =>
  [...new Set(values.map((v) => hardshipFromPb.get(v)).filter((v) => v !== undefined))].sort();
const skills = (values: readonly string[]) => [...new Set(values.map((s) => s.trim()).filter(Boolean))];

/** A person record before any event has said anything of it: every part at version 0. */
const unknownPerson = (communityCode: string): Omit<PersonRecord, '_id'> => ({
  communityCode,
  fullName: '',
  sex: null,
  birthDate: null,
  education: null,
  workCapacity: null,
  hardshipCategories: [],
  skills: [],
  occupation: null,
  householdId: null,
  householdRelation: null,
  employmentStatus: null,
  statusSince: null,
  registeredAt: null,
  profileVersion: 0,
  statusVersion: 0,
  departedOn: null,
  departureReason: null,
});

function profileOf(event: ResidentRegistered | ResidentProfileChanged) {
  return {
    communityCode: event.communityCode,
    fullName: event.fullName,
    education: educationFromPb.get(event.education) ?? null,
    workCapacity: workCapacityFromPb.get(event.workCapacity) ?? null,
    hardshipCategories: hardship(event.hardshipCategories),
    skills: skills(event.skills),
    occupation: event.occupation.trim() || null,
    householdId: event.householdId || null,
  };
}

export function registrationFact(event: ResidentRegistered, occurredAt: Date): Fact {
  const identity = {
    sex: sexFromPb.get(event.sex) ?? null,
    birthDate: dateOf(event.birthDate),
    registeredAt: occurredAt,
  };
  const profile = { ...profileOf(event), householdRelation: null, profileVersion: 1 };
  const status = {
    employmentStatus: employmentStatusFromPb.get(event.employmentStatus) ?? null,
    statusSince: occurredAt,
    statusVersion: 1,
  };
  return {
    id: event.residentId,
    created: { ...unknownPerson(event.communityCode), ...identity, ...profile, ...status },
    // `registeredAt` last: once it is set, every part of the registration has been written.
    facets: [
      { guard: { profileVersion: { $lt: 1 } }, set: profile },
      { guard: { statusVersion: { $lt: 1 } }, set: status },
      { guard: { registeredAt: null }, set: identity },
    ],
  };
}

export function profileChangeFact(event: ResidentProfileChanged): Fact {
  const profile = {
    ...profileOf(event),
    householdRelation: enumName(HouseholdRelationSchema, event.householdRelation),
    profileVersion: event.version,
  };
  return {
    id: event.residentId,
    created: { ...unknownPerson(event.communityCode), ...profile },
    facets: [{ guard: { profileVersion: { $lt: event.version } }, set: profile }],
  };
}

export function statusChangeFact(event: EmploymentStatusChanged, occurredAt: Date): Fact {
  const status = {
    employmentStatus: employmentStatusFromPb.get(event.status) ?? null,
    statusSince: instantOf(event.since) ?? occurredAt,
    statusVersion: event.version,
  };
  return {
    id: event.residentId,
    created: { ...unknownPerson(event.communityCode), householdId: event.householdId || null, ...status },
    facets: [{ guard: { statusVersion: { $lt: event.version } }, set: status }],
  };
}

/** Residents' people, households and certificates, as one read model. */
export class PeopleProjection {
  private readonly people;
  private readonly households;
  private readonly certificates;

  /** Registers the read model's collections and indexes on a service's connection (its `models`). */
  static register(connection: Connection): void {
    registerReadModel(connection, 'ReadPerson', PEOPLE_COLLECTIONS.people, [
      [{ communityCode: 1, _id: 1 }, { name: 'community_id' }],
      [{ householdId: 1 }, { name: 'household' }],
    ]);
    registerReadModel(connection, 'ReadHousehold', PEOPLE_COLLECTIONS.households, [
      [{ communityCode: 1, _id: 1 }, { name: 'community_id' }],
    ]);
    registerReadModel(connection, 'ReadCertificate', PEOPLE_COLLECTIONS.certificates, [
      [{ residentId: 1 }, { name: 'resident' }],
      [{ communityCode: 1, _id: 1 }, { name: 'community_id' }],
    ]);
  }

  constructor(connection: Connection) {
    this.people = connection.collection<PersonRecord>(PEOPLE_COLLECTIONS.people);
    this.households = connection.collection<HouseholdRecord>(PEOPLE_COLLECTIONS.households);
    this.certificates = connection.collection<CertificateRecord>(PEOPLE_COLLECTIONS.certificates);
  }

  /**
   * The handlers, by event type, to put into a ConsumerDefinition that reads residents' topic.
   * Each is safe to repeat and to receive out of order; a malformed event is dead-lettered.
   */
  get handlers(): Record<string, EventHandler> {
    return {
      [ResidentRegisteredSchema.typeName]: (ctx) => applyFact(this.people, registered(ctx)),
      [ResidentProfileChangedSchema.typeName]: async (ctx) => {
        const event = decodePayload(ResidentProfileChangedSchema, ctx.envelope);
        requireFields(ctx, { residentId: event.residentId, communityCode: event.communityCode });
        requireVersion(ctx, event.version);
        await applyFact(this.people, profileChangeFact(event));
      },
      [EmploymentStatusChangedSchema.typeName]: async (ctx) => {
        const event = decodePayload(EmploymentStatusChangedSchema, ctx.envelope);
        requireFields(ctx, { residentId: event.residentId, communityCode: event.communityCode });
        requireVersion(ctx, event.version);
        await applyFact(this.people, statusChangeFact(event, envelopeOccurredAt(ctx.envelope)));
      },
      [ResidentDepartedSchema.typeName]: async (ctx) => {
        const event = decodePayload(ResidentDepartedSchema, ctx.envelope);
        requireFields(ctx, { residentId: event.residentId, communityCode: event.communityCode });
        const departure = {
          departedOn: dateOf(event.departedOn),
          departureReason: enumName(DepartureReasonSchema, event.reason) as PersonRecord['departureReason'],
        };
        requireFields(ctx, {
          departedOn: departure.departedOn ?? '',
          reason: departure.departureReason ?? '',
        });
        // Final: the first departure recorded stands, a repeat or a late copy changes nothing.
        await applyFact(this.people, {
          id: event.residentId,
          created: { ...unknownPerson(event.communityCode), ...departure },
          facets: [{ guard: { departedOn: null }, set: departure }],
        });
      },
      [HouseholdStatusChangedSchema.typeName]: async (ctx) => {
        const event = decodePayload(HouseholdStatusChangedSchema, ctx.envelope);
        requireFields(ctx, { householdId: event.householdId, communityCode: event.communityCode });
        requireVersion(ctx, event.version);
        const household = {
          communityCode: event.communityCode,
          zeroEmployment: event.zeroEmployment,
          doubleUnemployed: event.doubleUnemployed,
          since: instantOf(event.since),
          placementDueAt: instantOf(event.placementDueAt),
          memberResidentIds: [...new Set(event.memberResidentIds)],
          version: event.version,
        };
        await applyFact(this.households, {
          id: event.householdId,
          created: household,
          facets: [{ guard: { version: { $lt: event.version } }, set: household }],
        });
      },
      [CertificateIssuedSchema.typeName]: async (ctx) => {
        const event = decodePayload(CertificateIssuedSchema, ctx.envelope);
        requireFields(ctx, {
          certificateId: event.certificateId,
          residentId: event.residentId,
          communityCode: event.communityCode,
        });
        const asOf = envelopeOccurredAt(ctx.envelope);
        const issue = { number: event.number, issuedOn: dateOf(event.issuedOn) };
        const due = { nextCheckDue: dateOf(event.nextCheckDue), nextCheckDueAsOf: asOf };
        await applyFact(this.certificates, {
          id: event.certificateId,
          created: { ...newCertificate(event), ...issue, ...due },
          facets: [
            { guard: { issuedOn: null }, set: issue },
            { guard: { nextCheckDueAsOf: { $lt: asOf } }, set: due },
          ],
        });
      },
      [CertificateCheckedSchema.typeName]: async (ctx) => {
        const event = decodePayload(CertificateCheckedSchema, ctx.envelope);
        requireFields(ctx, {
          certificateId: event.certificateId,
          residentId: event.residentId,
          communityCode: event.communityCode,
        });
        const asOf = envelopeOccurredAt(ctx.envelope);
        const check = { lastCheckYear: event.year, lastCheckPassed: event.passed };
        const due = { nextCheckDue: dateOf(event.nextCheckDue), nextCheckDueAsOf: asOf };
        // A failed check revokes the certificate (residents also says so with CertificateRevoked).
        const revoked = event.passed
          ? undefined
          : { status: 'revoked', revokedAt: asOf, revocationReason: 'annual check failed' };
        await applyFact(this.certificates, {
          id: event.certificateId,
          created: { ...newCertificate(event), number: event.number, ...check, ...due, ...revoked },
          facets: [
            { guard: { lastCheckYear: { $lt: event.year } }, set: check },
            { guard: { nextCheckDueAsOf: { $lt: asOf } }, set: due },
            ...(revoked ? [{ guard: { status: { $ne: 'revoked' } }, set: revoked }] : []),
          ],
        });
      },
      [CertificateRevokedSchema.typeName]: async (ctx) => {
        const event = decodePayload(CertificateRevokedSchema, ctx.envelope);
        requireFields(ctx, {
          certificateId: event.certificateId,
          residentId: event.residentId,
          communityCode: event.communityCode,
        });
        const revoked = {
          status: 'revoked',
          revokedAt: envelopeOccurredAt(ctx.envelope),
          revocationReason: event.reason || null,
        };
        await applyFact(this.certificates, {
          id: event.certificateId,
          created: { ...newCertificate(event), number: event.number, ...revoked },
          facets: [{ guard: { status: { $ne: 'revoked' } }, set: revoked }],
        });
      },
    };
  }

  /** A run of registrations (an import, a campaign's peak) is one insert. */
  get batchHandlers(): Record<string, BatchEventHandler> {
    return {
      [ResidentRegisteredSchema.typeName]: (contexts) => applyFacts(this.people, contexts.map(registered)),
    };
  }

  /** A person, with their household's zero-employment status; null when no event named them. */
  async person(id: string): Promise<Person | null> {
    const record = await this.people.findOne({ _id: id });
    if (!record) return null;
    const household = record.householdId ? await this.households.findOne({ _id: record.householdId }) : null;
    return personView(record, household?.zeroEmployment ?? null);
  }

  /**
   * The people whose community lies in `area` (a district, street or community code), a page in
   * id order; optionally only those of an employment status. The caller checks that `area` lies
   * in its scope. `zeroEmploymentHousehold` is left null here: ask `person` or `household`.
   */
  peopleOf(
    area: string,
    options: { after?: string | undefined; limit: number; employmentStatus?: EmploymentStatusName },
  ): Promise<Page<Person>> {
    return pageOfArea<PersonRecord, Person>(
      this.people,
      area,
      {
        ...options,
        filter: options.employmentStatus ? { employmentStatus: options.employmentStatus } : {},
      },
      (record) => personView(record, null),
    );
  }

  async household(id: string): Promise<Household | null> {
    const record = await this.households.findOne({ _id: id });
    if (!record) return null;
    const { version: _v, ...rest } = withoutBookkeeping(record);
    return rest;
  }

  /** A person's certificates, the latest issued first. */
  async certificatesOf(residentId: string): Promise<Certificate[]> {
    const records = await this.certificates.find({ residentId }).toArray();
    return records
      .map((record) => {
        const { nextCheckDueAsOf: _a, ...rest } = withoutBookkeeping(record);
        return rest;
      })
      .sort((a, b) => (b.issuedOn ?? '').localeCompare(a.issuedOn ?? ''));
  }

  /** The certificate a person holds now (issued and not revoked), if any. */
  async validCertificateOf(residentId: string): Promise<Certificate | null> {
    return (
      (await this.certificatesOf(residentId)).find((c) => c.status === 'issued' && c.issuedOn !== null) ??
      null
    );
  }
}

function registered(ctx: EventContext): Fact {
  const event = decodePayload(ResidentRegisteredSchema, ctx.envelope);
  requireFields(ctx, { residentId: event.residentId, communityCode: event.communityCode });
  return registrationFact(event, envelopeOccurredAt(ctx.envelope));
}

function requireVersion(ctx: EventContext, version: number): void {
  requireFields(ctx, { version: version >= 1 ? String(version) : '' });
}

function newCertificate(event: {
  residentId: string;
  communityCode: string;
}): Omit<CertificateRecord, '_id'> {
  return {
    residentId: event.residentId,
    communityCode: event.communityCode,
    number: null,
    status: 'issued',
    issuedOn: null,
    nextCheckDue: null,
    nextCheckDueAsOf: null,
    lastCheckYear: 0,
    lastCheckPassed: null,
    revokedAt: null,
    revocationReason: null,
  };
}

function personView(record: PersonRecord, zeroEmploymentHousehold: boolean | null): Person {
  const { profileVersion: _p, statusVersion: _s, ...rest } = withoutBookkeeping(record);
  return { ...rest, zeroEmploymentHousehold };
}

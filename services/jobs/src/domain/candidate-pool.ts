import type { CandidateDocument, HouseholdDocument } from '../data-access/models.ts';
import { type CandidateFacts, candidateFacts } from './candidates.ts';
import type { IsoDate } from './dates.ts';
import type { SkillVocabulary } from './skills.ts';
import { EDUCATION_RANK } from './vocabulary.ts';

/** A candidate held in memory, with what matching needs precomputed. */
export interface PooledCandidate {
  doc: CandidateDocument;
  /** Skill and occupation concepts, implied skills included. */
  concepts: Set<string>;
  educationRank: number | null;
  /** Facts of the day, kept until the day or the household changes (matching reads them 10,000 times). */
  factsCache?: { key: string; facts: CandidateFacts };
}

export interface CandidateSource {
  allCandidates(): AsyncIterable<CandidateDocument>;
  candidatesChangedSince(since: Date): Promise<CandidateDocument[]>;
  allHouseholds(): Promise<HouseholdDocument[]>;
  householdsChangedSince(since: Date): Promise<HouseholdDocument[]>;
}

/**
 * Changes stamped this long before a poll began are read again: a record's `syncedAt` is stamped
 * just before its write lands, so a poll may miss a write in flight; the next poll catches it.
 */
const POLL_OVERLAP_MS = 3_000;

/**
 * The candidate read model in memory, so that matching a vacancy against every candidate costs
 * no store round trip (the store scans on every find). Loaded at start from the `candidates` and
 * `households` collections; updated at once by this replica's consumer and its own writes, and by
 * polling the store for what other replicas wrote (each consumes only some partitions); a
 * periodic full reload is the safety net.
 */
export class CandidatePool {
  private readonly vocabulary: SkillVocabulary;
  private candidates = new Map<string, PooledCandidate>();
  private households = new Map<string, HouseholdDocument>();
  /** Resident id to household id, from households' member lists. */
  private memberOf = new Map<string, string>();
  private source: CandidateSource | undefined;
  private watermark = new Date(0);
  private timers: NodeJS.Timeout[] = [];
  private refreshing: Promise<void> | undefined;
  private loaded = false;

  constructor(vocabulary: SkillVocabulary) {
    this.vocabulary = vocabulary;
  }

  get size(): number {
    return this.candidates.size;
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  async load(source: CandidateSource): Promise<void> {
    this.source = source;
    const started = new Date();
    const candidates = new Map<string, PooledCandidate>();
    for await (const doc of source.allCandidates()) candidates.set(doc._id, this.pooled(doc));
    const households = await source.allHouseholds();
    // Writes that landed while loading are kept: the poll after this load reads them again.
    for (const [id, entry] of this.candidates) {
      const loaded = candidates.get(id);
      if (!loaded || loaded.doc.syncedAt < entry.doc.syncedAt) candidates.set(id, entry);
    }
    this.candidates = candidates;
    this.households = new Map();
    this.memberOf = new Map();
    for (const household of households) this.putHousehold(household);
    this.watermark = started;
    this.loaded = true;
  }

  /** Polls on an interval and reloads fully on another; timers never keep the process alive. */
  start(options: { refreshMs: number; reloadMs: number; onError: (err: unknown) => void }): void {
    const every = (ms: number, fn: () => Promise<void>) => {
      const timer = setInterval(() => void fn().catch(options.onError), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(options.refreshMs, () => this.refresh());
    every(options.reloadMs, () => (this.source ? this.load(this.source) : Promise.resolve()));
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  /** Reads what changed in the store since the last poll (with an overlap). */
  refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      const source = this.source;
      if (!source) return;
      const started = new Date();
      const since = new Date(this.watermark.getTime() - POLL_OVERLAP_MS);
      const [candidates, households] = await Promise.all([
        source.candidatesChangedSince(since),
        source.householdsChangedSince(since),
      ]);
      for (const doc of candidates) this.takeCandidate(doc);
      for (const household of households) this.putHousehold(household);
      this.watermark = started;
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** Takes a record this replica has just written (it is the latest). */
  putCandidate(doc: CandidateDocument): void {
    this.candidates.set(doc._id, this.pooled(doc));
  }

  /** Takes a record read from the store, unless the pool already holds it or a later one. */
  private takeCandidate(doc: CandidateDocument): void {
    const held = this.candidates.get(doc._id);
    if (held && new Date(held.doc.syncedAt).getTime() >= new Date(doc.syncedAt).getTime()) return;
    this.candidates.set(doc._id, this.pooled(doc));
  }

  putHousehold(household: HouseholdDocument): void {
    const held = this.households.get(household._id);
    if (held && held.version > household.version) return;
    for (const member of held?.memberResidentIds ?? []) {
      if (this.memberOf.get(member) === household._id) this.memberOf.delete(member);
    }
    this.households.set(household._id, household);
    for (const member of household.memberResidentIds) this.memberOf.set(member, household._id);
  }

  get(id: string): PooledCandidate | undefined {
    return this.candidates.get(id);
  }

  values(): IterableIterator<PooledCandidate> {
    return this.candidates.values();
  }

  household(candidate: CandidateDocument): HouseholdDocument | undefined {
    const id = candidate.householdId ?? this.memberOf.get(candidate._id);
    return id ? this.households.get(id) : undefined;
  }

  facts(candidate: CandidateDocument, today: IsoDate): CandidateFacts {
    return candidateFacts(candidate, this.household(candidate), today);
  }

  /** `facts`, cached on the pooled record for the day. */
  factsOf(candidate: PooledCandidate, today: IsoDate): CandidateFacts {
    const household = this.household(candidate.doc);
    const key = household ? `${today}|${household._id}|${household.version}` : today;
    if (candidate.factsCache?.key !== key) {
      candidate.factsCache = { key, facts: candidateFacts(candidate.doc, household, today) };
    }
    return candidate.factsCache.facts;
  }

  private pooled(doc: CandidateDocument): PooledCandidate {
    return {
      doc,
      concepts: this.vocabulary.expand([...doc.skills, ...(doc.occupation ? [doc.occupation] : [])]),
      educationRank: doc.education ? EDUCATION_RANK[doc.education] : null,
    };
  }
}

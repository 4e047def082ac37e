import type { ApiResponse } from './client.ts';

/**
 * Seed modules: each service keeps one at `services/<name>/test/api-seed.ts` (export `seed`), and
 * the adversarial suite and the fuzz run find it there. It makes a few records of every kind in a
 * district through the service's own API and names them by the path or body parameter that
 * carries them (`residentId`, `householdId`), so the suites can fill any operation's parameters
 * without knowing the operation. An operation with a parameter no seed names is reported as not
 * covered.
 */

/**
 * Who may see a kind of record: `area`, only its own area; `city`, every district (which still may
 * not change it); `tree`, a node of the area tree: every district may name it, but writing a
 * record into it needs an area that covers it.
 */
export type Visibility = 'area' | 'city' | 'tree';

export interface District {
  /** `A` owns the records under attack; `B` attacks them. */
  label: 'A' | 'B';
  /** The district's area code (6 digits). */
  code: string;
  /** A token of the district's system: the roles every seed module asks for, scoped to `code`. */
  token: string;
  clientId: string;
}

export interface SeedRecord {
  /** The parameter name that carries it, e.g. `residentId`. */
  name: string;
  value: string;
  /** The area code of the district that owns it. */
  district: string;
  /** The service whose seed made it. */
  service: string;
  visibility: Visibility;
}

/** The records the seeds made, by name and district. */
export class RecordPool {
  readonly records: SeedRecord[] = [];
  /** Values only the owning district may learn (names, ID numbers): a leak check looks for them. */
  readonly secrets: Array<{ district: string; value: string; what: string }> = [];
  /** Values no answer may contain, not even to their owner (national ID numbers are shown masked). */
  readonly neverShown = new Set<string>();

  add(record: SeedRecord): void {
    if (!this.records.some((r) => r.name === record.name && r.value === record.value))
      this.records.push(record);
  }

  secret(district: string, value: string, what: string): void {
    this.secrets.push({ district, value, what });
  }

  of(name: string, district: string): SeedRecord[] {
    return this.records.filter((r) => r.name === name && r.district === district);
  }

  first(name: string, district: string): string | undefined {
    return this.of(name, district)[0]?.value;
  }

  names(): Set<string> {
    return new Set(this.records.map((r) => r.name));
  }

  find(value: string): SeedRecord | undefined {
    return this.records.find((r) => r.value === value);
  }
}

export interface SeedContext {
  district: District;
  /** The other district (B for A): a seed may need to know whose codes not to use. */
  other: District;
  pool: RecordPool;
  /**
   * A request as `district` (or with `token`) to a service (default: the module's own). Throws,
   * naming the request and answer, unless the status is one of `expect` (default: any 2xx;
   * `any`: never throws).
   */
  call(
    method: string,
    path: string,
    options?: {
      body?: unknown;
      service?: string;
      token?: string;
      expect?: number[] | 'any';
      headers?: Record<string, string>;
    },
  ): Promise<ApiResponse>;
  /** A token of the local issuer for other claims (e.g. a city-wide importer). */
  token(claims: { clientId: string; roles: string[]; areas: string[] }): Promise<string>;
  /** Adds a record of this module's service under `name`, owned by `district`. */
  add(name: string, value: string): void;
  /** A value only this district may learn; the leak check looks for it in the other's answers. */
  secret(value: string, what: string): void;
  /** Polls until `probe` returns something other than undefined or false. */
  eventually<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs?: number): Promise<T>;
}

/** What an example request of an operation is made from. */
export interface ExampleContext {
  district: District;
  /** The path parameters chosen for the request (records of `district`, or under attack). */
  params: Record<string, string>;
  /** The first record of `district` under a name (throws when the seeds made none). */
  record(name: string): string;
  /** Every record of `district` under a name. */
  records(name: string): string[];
  /** A fresh value from the module's `values` (e.g. a national ID never used). */
  fresh(name: string): unknown;
}

export interface ApiSeed {
  /** Roles a district system of this service holds (the suites' district tokens get them all). */
  roles: string[];
  /** Services whose seeds run first, because this one refers to their records. */
  after?: string[];
  /** Settings the service needs beyond the shared test settings; `run` is unique to this run. */
  environment?: (run: string) => Record<string, string>;
  /** Who may see each kind of record this module adds, by name. */
  kinds: Record<string, Visibility>;
  /** Other names of a kind in the service's requests, e.g. `{ targetId: 'householdId' }`. */
  aliases?: Record<string, string>;
  /** Values the schema cannot describe (a national ID with its check digit), by field name. */
  values?: Record<string, (district: District) => unknown>;
  /**
   * Fields whose values no answer may show in full, even to their owner or echoed from the
   * request (e.g. `nationalId`): every value of them a seed adds or `values` makes is checked for.
   */
  neverShown?: string[];
  /** A valid request of an operation, by operationId (others are made from the schema). */
  examples?: Record<string, (ctx: ExampleContext) => { body?: unknown; query?: Record<string, string> }>;
  /**
   * Operations the document lets another district call on a record, with the reason, so their
   * 2xx are not counted as cross-area (e.g. any district may record a hiring link with an employer).
   */
  crossAreaAllowed?: Record<string, string>;
  /** Makes the records of one district (called for A, then for B). */
  seed(ctx: SeedContext): Promise<void>;
  /**
   * An ordinary change of a record by its owner, by kind, run after the attacks: a record that no
   * longer takes it was left unwritable. `final` when the record's state takes no more changes.
   */
  touch?: Record<
    string,
    (
      call: SeedContext['call'],
      value: string,
      /** The owner's records of a name. */
      records: (name: string) => string[],
    ) => Promise<ApiResponse | 'final'>
  >;
}

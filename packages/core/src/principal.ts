import { AppError } from './errors.ts';

/**
 * The caller of a request: a district system (or a street, community or city front end), with
 * the roles it was granted and the areas it may see. Area scopes are administrative codes: a
 * district `420102`, a street `420102001`, a community `420102001001`; `*` is city-wide.
 */
export interface Principal {
  /** The client (`client_id`, else `azp`, else `sub`): whose quota, whose audit trail. */
  clientId: string;
  /**
   * Who acts for the client: the token's `sub` (a reviewer, a loan officer), or the client itself
   * when the token names no subject. Rules that need two different people (four eyes,
   * maker-checker) compare subjects, never client ids.
   */
  subject: string;
  roles: ReadonlySet<string>;
  areas: readonly string[];
}

export const CITY_WIDE = '*';

/** True when a record of `communityCode` lies inside one of the caller's areas. */
export function canAccessArea(principal: Principal, communityCode: string): boolean {
  return principal.areas.some((area) => area === CITY_WIDE || communityCode.startsWith(area));
}

export function hasRole(principal: Principal, role: string): boolean {
  return principal.roles.has(role) || principal.roles.has('admin');
}

export function requireRole(principal: Principal, role: string): void {
  if (!hasRole(principal, role)) throw new AppError('forbidden', `this client lacks the role "${role}"`);
}

/**
 * A MongoDB filter that keeps only the caller's areas, on a field holding a community code.
 * Codes are fixed-length digits, so a prefix range is exact and uses an index.
 */
export function areaFilter(principal: Principal, field = 'communityCode'): Record<string, unknown> {
  if (principal.areas.includes(CITY_WIDE)) return {};
  const ranges = principal.areas.map((area) => ({ [field]: { $gte: area, $lt: `${area}\uffff` } }));
  return ranges.length === 1 ? ranges[0]! : { $or: ranges };
}

/** Who acts: a caller over HTTP, or the service itself (a consumer, a timer). */
export interface Actor {
  principal: Principal;
  /** The request id, or the id of the event a consumer handles. */
  requestId: string | null;
}

/** The service acting on its own (timers, consumers): city-wide, every role. */
export function systemActor(clientId: string, requestId: string | null = null): Actor {
  return { principal: { clientId, subject: clientId, roles: new Set(['admin']), areas: ['*'] }, requestId };
}

import { AreaChangedSchema, AreaDefinedSchema } from '@employment/contracts';
import {
  AppError,
  canAccessArea,
  type FieldProblem,
  PROBLEM_TYPE_BASE,
  type Principal,
  type Problem,
  requireRole,
} from '@employment/core';
import { isValidAreaCode } from '@employment/identifiers';
import type { Change } from '@employment/messaging';
import { changeSlotOf } from '@employment/store';
import type { AreaTree } from '../data-access/area-tree.ts';
import { type AreaDocument, COLLECTIONS } from '../data-access/models.ts';
import {
  type Actor,
  auditEntry,
  type ChangeWriter,
  claim,
  commitOne,
  insertAudit,
  LostRace,
  madeBySameRequest,
  staleVersion,
  withRetries,
} from './changes.ts';
import { areaLevelToPb } from './events.ts';
import { AREA_CODE_LENGTH, AREA_LEVELS, type AreaLevel } from './vocabulary.ts';

/** The level of a tree code by its length, if it is a well-formed code of that level. */
export function areaLevelOf(code: string): AreaLevel | undefined {
  if (!/^\d+$/.test(code)) return undefined;
  const level = AREA_LEVELS.find((l) => AREA_CODE_LENGTH[l] === code.length);
  if (!level) return undefined;
  if (level === 'building') {
    return isValidAreaCode(code.slice(0, 12)) && code.slice(12) !== '000' ? level : undefined;
  }
  return isValidAreaCode(code) ? level : undefined;
}

/** The parent's code: a community's street, a building's community; null for a city. */
export function parentCodeOf(code: string): string | null {
  const level = areaLevelOf(code);
  if (!level || level === 'city') return null;
  const parentLevel = AREA_LEVELS[AREA_LEVELS.indexOf(level) - 1]!;
  return code.slice(0, AREA_CODE_LENGTH[parentLevel]);
}

/** The caller may see a node inside its scope, and the nodes above it (its own city and district). */
export function canSeeArea(principal: Principal, code: string): boolean {
  return canAccessArea(principal, code) || principal.areas.some((area) => area.startsWith(code));
}

export interface AreaView {
  code: string;
  level: AreaLevel;
  name: string;
  parentCode: string | null;
  path: Array<{ code: string; level: AreaLevel; name: string }>;
  childCount: number;
  version: number;
  updatedAt: string;
}

export interface AreaRow {
  code: string;
  name: string;
  level?: AreaLevel;
  parentCode?: string | null;
}

export type AreaRowResult =
  | { index: number; code: string; status: 'created' | 'renamed' | 'unchanged' }
  | { index: number; code?: string; status: 'invalid' | 'forbidden'; problem: Problem };

export interface AreaBatchResult {
  summary: {
    received: number;
    created: number;
    renamed: number;
    unchanged: number;
    invalid: number;
    forbidden: number;
  };
  results: AreaRowResult[];
}

/** The administrative tree (市 → 区 → 街道 → 社区 → 楼院): defining, renaming, reading. */
export class AreaRegistry {
  private readonly tree: AreaTree;
  private readonly writer: ChangeWriter;
  private readonly topic: string;
  private readonly checkRow: (row: unknown, pointerPrefix?: string) => FieldProblem[];
  private readonly now: () => Date;

  constructor(deps: {
    tree: AreaTree;
    writer: ChangeWriter;
    topic: string;
    checkRow: (row: unknown, pointerPrefix?: string) => FieldProblem[];
    now: () => Date;
  }) {
    this.tree = deps.tree;
    this.writer = deps.writer;
    this.topic = deps.topic;
    this.checkRow = deps.checkRow;
    this.now = deps.now;
  }

  view(node: AreaDocument): AreaView {
    const path: AreaView['path'] = [];
    for (let code = node.parentCode; code; code = this.tree.get(code)?.parentCode ?? null) {
      const parent = this.tree.get(code);
      if (!parent) break;
      path.unshift({ code: parent._id, level: parent.level, name: parent.name });
    }
    return {
      code: node._id,
      level: node.level,
      name: node.name,
      parentCode: node.parentCode,
      path,
      childCount: this.tree.childCount(node._id),
      version: node.version,
      updatedAt: new Date(node.updatedAt).toISOString(),
    };
  }

  async read(principal: Principal, code: string): Promise<AreaView> {
    const node = canSeeArea(principal, code) ? await this.tree.find(code) : undefined;
    if (!node) throw new AppError('not-found', 'no such area in your scope');
    return this.view(node);
  }

  /** The nodes the caller's scope starts from (its own areas, or the cities for a city-wide caller). */
  entryPoints(principal: Principal): AreaView[] {
    const nodes = principal.areas.includes('*')
      ? this.tree.roots()
      : principal.areas.map((a) => this.tree.get(a)).filter((n): n is AreaDocument => n !== undefined);
    return nodes.map((n) => this.view(n));
  }

  async children(
    principal: Principal,
    code: string,
    after: string | undefined,
    limit: number,
  ): Promise<AreaView[]> {
    await this.read(principal, code);
    return this.tree
      .children(code)
      .filter((c) => canSeeArea(principal, c._id) && (after === undefined || c._id > after))
      .slice(0, limit)
      .map((c) => this.view(c));
  }

  /** A community that exists in the tree (not a street or building); a missing one is refused. */
  async requireCommunity(code: string, pointer = '/communityCode'): Promise<AreaDocument> {
    const node = await this.tree.find(code);
    if (node?.level !== 'community') {
      throw new AppError('validation-failed', `${pointer}: ${code} is not a community of the area tree`, {
        errors: [{ in: 'body', pointer, detail: `${code} is not a community of the area tree` }],
      });
    }
    return node;
  }

  /** The same check without a lookup in the store: for batch rows, where only memory is cheap. */
  knownCommunity(code: string): boolean {
    return this.tree.get(code)?.level === 'community';
  }

  async requireBuilding(
    buildingCode: string,
    communityCode: string,
    pointer = '/buildingCode',
  ): Promise<void> {
    const node = await this.tree.find(buildingCode);
    if (node?.level !== 'building' || node.parentCode !== communityCode) {
      throw new AppError('validation-failed', `${pointer}: not a building of community ${communityCode}`, {
        errors: [{ in: 'body', pointer, detail: `is not a building (楼院) of community ${communityCode}` }],
      });
    }
  }

  knownBuilding(buildingCode: string, communityCode: string): boolean {
    const node = this.tree.get(buildingCode);
    return node?.level === 'building' && node.parentCode === communityCode;
  }

  /** Defines a node, or renames it (`expectedVersion` guards a rename against a concurrent one). */
  async define(
    actor: Actor,
    code: string,
    name: string,
    expectedVersion: number | undefined,
  ): Promise<{ created: boolean; area: AreaView }> {
    requireRole(actor.principal, 'areas:write');
    const problems = this.rowProblems({ code, name }, '');
    if (problems.length > 0) {
      throw new AppError('validation-failed', problems.map((p) => `${p.pointer}: ${p.detail}`).join('; '), {
        errors: problems.map((p) => ({ ...p, in: p.pointer === '/code' ? 'path' : 'body' })),
      });
    }
    if (!canAccessArea(actor.principal, code)) {
      throw new AppError('forbidden', `area ${code} lies outside this client's area`);
    }
    return withRetries(async () => {
      const existing = await this.tree.find(code);
      if (!existing) {
        const parent = parentCodeOf(code);
        if (parent && !(await this.tree.find(parent))) {
          throw new AppError('validation-failed', `/code: its parent area ${parent} is not in the tree`, {
            errors: [
              { in: 'path', pointer: '/code', detail: `its parent area ${parent} is not in the tree` },
            ],
          });
        }
        const { change, node } = this.prepareDefinition(actor, code, name.trim());
        const outcome = await commitOne(this.writer, change);
        if (outcome.status === 'rejected') {
          await this.tree.refresh();
          throw new LostRace();
        }
        this.tree.put(node);
        return { created: true, area: this.view(node) };
      }
      if (expectedVersion !== undefined && expectedVersion !== existing.version) {
        throw staleVersion(existing.version);
      }
      if (existing.name === name.trim()) return { created: false, area: this.view(existing) };
      const renamed = await this.rename(actor, existing, name.trim());
      return { created: false, area: this.view(renamed) };
    });
  }

  private async rename(actor: Actor, existing: AreaDocument, name: string): Promise<AreaDocument> {
    const now = this.now();
    const after: AreaDocument = {
      ...existing,
      name,
      version: existing.version + 1,
      updatedAt: now,
      updatedSlot: changeSlotOf(new Date()),
      renameStamp: actor.requestStamp ?? null,
    };
    const change = this.writer.change(
      [
        {
          op: 'update',
          collection: COLLECTIONS.areas,
          filter: { _id: existing._id, version: existing.version },
          update: {
            $set: {
              name,
              version: after.version,
              updatedAt: now,
              updatedSlot: after.updatedSlot,
              renameStamp: after.renameStamp,
            },
          },
        },
        insertAudit(
          auditEntry(
            actor,
            'area.renamed',
            { type: 'area', id: existing._id, communityCode: existing._id.slice(0, 12) },
            { name: existing.name, version: existing.version },
            { name, version: after.version },
            now,
          ),
        ),
      ],
      [
        {
          topic: this.topic,
          subject: existing._id,
          communityCode: existing._id.slice(0, 12),
          schema: AreaChangedSchema,
          payload: {
            code: existing._id,
            level: areaLevelToPb[existing.level],
            name,
            previousName: existing.name,
            version: after.version,
            changedBy: actor.principal.clientId,
          },
          occurredAt: now,
        },
      ],
    );
    const outcome = await commitOne(this.writer, change);
    if (outcome.status === 'rejected') {
      await this.tree.refresh();
      throw new LostRace();
    }
    this.tree.put(after);
    return after;
  }

  private prepareDefinition(
    actor: Actor,
    code: string,
    name: string,
  ): { change: Change; node: AreaDocument } {
    const now = this.now();
    const level = areaLevelOf(code)!;
    const node: AreaDocument = {
      _id: code,
      level,
      name,
      parentCode: parentCodeOf(code),
      version: 1,
      createdAt: now,
      createdBy: actor.principal.clientId,
      updatedAt: now,
      // Wall-clock time, whatever the use case's clock: other replicas poll by it.
      updatedSlot: changeSlotOf(new Date()),
      ...(actor.requestStamp ? { requestStamp: actor.requestStamp } : {}),
    };
    const change = this.writer.change(
      [
        claim(`area:${code}`, now),
        { op: 'insert', collection: COLLECTIONS.areas, document: node },
        insertAudit(
          auditEntry(
            actor,
            'area.defined',
            { type: 'area', id: code, communityCode: code.slice(0, 12) },
            null,
            auditedNode(node),
            now,
          ),
        ),
      ],
      [
        {
          topic: this.topic,
          subject: code,
          communityCode: code.slice(0, 12),
          schema: AreaDefinedSchema,
          payload: {
            code,
            level: areaLevelToPb[level],
            name,
            parentCode: node.parentCode ?? '',
            version: 1,
            definedBy: actor.principal.clientId,
          },
          occurredAt: now,
        },
      ],
    );
    return { change, node };
  }

  private rowProblems(row: AreaRow, prefix: string): FieldProblem[] {
    const schema = this.checkRow(row, prefix);
    if (schema.length > 0) return schema;
    const problems: FieldProblem[] = [];
    const level = areaLevelOf(row.code);
    if (!level) {
      problems.push({
        in: 'body',
        pointer: `${prefix}/code`,
        detail:
          'is not an area code: 4 (city), 6 (district), 9 (street), 12 (community) or 15 (building) digits, no level all zeros',
      });
      return problems;
    }
    if (row.level !== undefined && row.level !== level) {
      problems.push({ in: 'body', pointer: `${prefix}/level`, detail: `the code is of a ${level}` });
    }
    const parent = parentCodeOf(row.code);
    if (row.parentCode !== undefined && (row.parentCode ?? null) !== parent) {
      problems.push({
        in: 'body',
        pointer: `${prefix}/parentCode`,
        detail: parent ? `the code's parent is ${parent}` : 'a city has no parent',
      });
    }
    if (row.name.trim().length === 0)
      problems.push({ in: 'body', pointer: `${prefix}/name`, detail: 'is empty' });
    return problems;
  }

  /**
   * Imports up to a thousand nodes, parents before children (a parent may come earlier in the same
   * batch). Rerunning a file is harmless: a node with the same name is `unchanged`, a new name renames.
   * Each row is held to what `PUT /v1/areas/{code}` enforces: the caller's area, a parent in the
   * tree (looked up in the store when this replica has not seen it), and a node another writer
   * defined meanwhile renamed to the row's name. A retry of a keyed request answers the nodes its
   * earlier attempt defined as `created`.
   */
  async importBatch(actor: Actor, rows: unknown[]): Promise<AreaBatchResult> {
    requireRole(actor.principal, 'areas:write');
    const results: (AreaRowResult | undefined)[] = rows.map(() => undefined);
    const pending = new Map<string, { index: number; change: Change; node: AreaDocument }>();
    const renames: Array<{ index: number; code: string; name: string }> = [];

    for (const [index, raw] of rows.entries()) {
      const problems = this.rowProblems(raw as AreaRow, '');
      if (problems.length > 0) {
        results[index] = {
          index,
          status: 'invalid',
          problem: rowProblem('validation-failed', 400, problems),
        };
        continue;
      }
      const row = raw as AreaRow;
      const name = row.name.trim();
      if (!canAccessArea(actor.principal, row.code)) {
        results[index] = {
          index,
          code: row.code,
          status: 'forbidden',
          problem: rowProblem('forbidden', 403, [], `area ${row.code} lies outside this client's area`),
        };
        continue;
      }
      const existing = this.tree.get(row.code);
      if (existing) {
        if (existing.name !== name) renames.push({ index, code: row.code, name });
        else results[index] = { index, code: row.code, status: this.sameName(actor, existing) };
        continue;
      }
      const earlier = pending.get(row.code);
      if (earlier) {
        results[index] = {
          index,
          code: row.code,
          status: 'invalid',
          problem: rowProblem('validation-failed', 400, [
            { in: 'body', pointer: '/code', detail: `repeats row ${earlier.index} of this batch` },
          ]),
        };
        continue;
      }
      const parent = parentCodeOf(row.code);
      // Memory first; the store only for a parent this replica has not seen (another replica's).
      if (parent && !this.tree.get(parent) && !pending.has(parent) && !(await this.tree.find(parent))) {
        results[index] = {
          index,
          code: row.code,
          status: 'invalid',
          problem: rowProblem('validation-failed', 400, [
            { in: 'body', pointer: '/code', detail: `its parent area ${parent} is not in the tree` },
          ]),
        };
        continue;
      }
      pending.set(row.code, { index, ...this.prepareDefinition(actor, row.code, name) });
    }

    const created = [...pending.values()];
    const outcomes = await this.writer.commit(created.map((p) => p.change));
    created.forEach((p, i) => {
      if (outcomes[i]?.status === 'applied') {
        results[p.index] = { index: p.index, code: p.node._id, status: 'created' };
        this.tree.put(p.node);
      } else {
        // Refused: the code was defined meanwhile (by another writer, or an earlier attempt of
        // this request); it gets the row's name as a single request would give it.
        renames.push({ index: p.index, code: p.node._id, name: p.node.name });
      }
    });
    if (created.some((_, i) => outcomes[i]?.status !== 'applied')) await this.tree.refresh();

    for (const r of renames) {
      await withRetries(async () => {
        const current = await this.tree.find(r.code);
        if (!current) throw new LostRace(); // its definition is still being applied
        if (current.name === r.name) {
          results[r.index] = { index: r.index, code: r.code, status: this.sameName(actor, current) };
          return;
        }
        await this.rename(actor, current, r.name);
        results[r.index] = { index: r.index, code: r.code, status: 'renamed' };
      }).catch((err: unknown) => {
        if (!(err instanceof AppError)) throw err;
        results[r.index] = {
          index: r.index,
          code: r.code,
          status: 'invalid',
          problem: rowProblem(err.problem, err.status, err.errors ?? [], err.message),
        };
      });
    }

    const final = results as AreaRowResult[];
    const count = (status: AreaRowResult['status']) => final.filter((r) => r.status === status).length;
    return {
      summary: {
        received: rows.length,
        created: count('created'),
        renamed: count('renamed'),
        unchanged: count('unchanged'),
        invalid: count('invalid'),
        forbidden: count('forbidden'),
      },
      results: final,
    };
  }

  /** A row naming a node as it is: defined or renamed by an earlier attempt of this request, or unchanged. */
  private sameName(actor: Actor, node: AreaDocument): 'created' | 'renamed' | 'unchanged' {
    if (madeBySameRequest(actor, node)) return 'created';
    if (actor.requestStamp && node.renameStamp === actor.requestStamp) return 'renamed';
    return 'unchanged';
  }
}

/** A node as its audit entry shows it (without the request stamps). */
function auditedNode(node: AreaDocument): Record<string, unknown> {
  const { requestStamp: _c, renameStamp: _r, ...rest } = node;
  return rest;
}

/** The problem of one row of a batch, shaped like the answer a single request would get. */
export function rowProblem(name: string, status: number, errors: FieldProblem[], detail?: string): Problem {
  const titles: Record<string, string> = {
    'validation-failed': 'The row is not valid',
    duplicate: 'Already registered',
    forbidden: 'Not allowed',
    conflict: 'Conflict',
  };
  return {
    type: `${PROBLEM_TYPE_BASE}${name}`,
    title: titles[name] ?? 'The row was not accepted',
    status,
    detail: detail ?? errors.map((p) => `${p.pointer}: ${p.detail}`).join('; '),
    ...(errors.length > 0 ? { errors } : {}),
  };
}

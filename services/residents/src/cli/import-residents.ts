// Imports files into the registry through its batch API, for survey teams and district systems:
// the area tree (areas), households with their people (households) or people alone (residents),
// as JSON lines or CSV. Batches of up to 1,000 go out with an Idempotency-Key derived from their
// content, so a rerun after a crash sends the same keys and nothing is stored twice. Every bad row
// is written to <file>.errors.jsonl with its line and the problem. Progress shows on stderr: on a
// terminal one line redrawn in place; otherwise (a pipe, a log file) one plain line per answered
// batch, so logs and tests can read it.
// usage: node import-residents.ts <file|dir> [--format csv|jsonl] [--kind areas|households|residents]
//        [--url http://127.0.0.1:8081] [--token T | --client ID --area CODE... --key-file F]
//        [--batch 1000] [--concurrency 2] [--quiet]
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { LocalIssuer } from '@employment/http';

type Kind = 'areas' | 'households' | 'residents';
type Format = 'csv' | 'jsonl';
type Row = Record<string, unknown>;
interface Item {
  /** 1-based line numbers of the file the item came from (a CSV household spans several). */
  lines: number[];
  value: Row;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    format: { type: 'string' },
    kind: { type: 'string' },
    url: { type: 'string', default: process.env.RESIDENTS_URL ?? 'http://127.0.0.1:8081' },
    token: { type: 'string', default: process.env.RESIDENTS_TOKEN },
    client: { type: 'string' },
    area: { type: 'string', multiple: true },
    'key-file': { type: 'string' },
    batch: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '2' },
    quiet: { type: 'boolean', default: false },
    fresh: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const USAGE = `usage: scripts/import-residents <file|dir> [--format csv|jsonl] [--kind areas|households|residents]
       [--url URL] [--token TOKEN | --client ID --area CODE...] [--batch 1000] [--concurrency 2] [--quiet]
A directory (as scripts/generate-city writes it) imports areas.jsonl, then households.jsonl (or
households.csv), then residents.jsonl / residents.csv. Bad rows go to <file>.errors.jsonl.
Each batch's Idempotency-Key comes from the file and the batch, so rerunning after a crash is safe and fast
(answered batches are replayed, not redone). Rerunning after fixing what refused some rows (e.g. a
missing community) needs --fresh with a new label, or the earlier answers are replayed for a day.
Progress goes to stderr: on a terminal one line redrawn in place, otherwise a line per batch
answered; --quiet leaves only each file's last line. A JSON summary per file goes to stdout.
Exit 0: every row accepted (or already there); 1: some rows refused; 2: the import could not run.`;

if (values.help || positionals.length !== 1) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(values.help ? 0 : 2);
}
const batchSize = Number(values.batch);
const concurrency = Number(values.concurrency);
if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000) fail('--batch must be 1 to 1000');
if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 16)
  fail('--concurrency must be 1 to 16');
const baseUrl = values.url!.replace(/\/$/, '');

function fail(message: string): never {
  process.stderr.write(`import-residents: ${message}\n`);
  process.exit(2);
}

/**
 * The bearer token of each request: the one given, or one from the local issuer, minted again
 * half-way through its life (the services refuse tokens valid for more than an hour by default,
 * and an import of a city takes longer).
 */
async function tokens(): Promise<() => Promise<string>> {
  const given = values.token;
  if (given) return async () => given;
  const client = values.client;
  if (!client) fail('give --token (or RESIDENTS_TOKEN), or --client and --area with the local issuer');
  const keyFile = values['key-file'];
  if (!keyFile || !existsSync(keyFile)) fail('no local issuer key: run scripts/start first, or give --token');
  const issuer = await LocalIssuer.create({ keyFile });
  const mint = () =>
    issuer.token({
      clientId: client,
      roles: ['residents:read', 'residents:write', 'areas:write'],
      areas: values.area ?? [client.match(/\d{4,12}$/)?.[0] ?? '*'],
    });
  let current = { token: await mint(), renewAt: Date.now() + (LocalIssuer.DEFAULT_TTL_SECONDS * 1000) / 2 };
  return async () => {
    if (Date.now() >= current.renewAt) {
      current = { token: await mint(), renewAt: Date.now() + (LocalIssuer.DEFAULT_TTL_SECONDS * 1000) / 2 };
    }
    return current.token;
  };
}

/** The files to import, in the order the data needs: the tree, then households, then people. */
function plan(path: string): Array<{ file: string; format: Format; kind: Kind }> {
  const fileOf = (file: string) => {
    const format = (values.format as Format | undefined) ?? (file.endsWith('.csv') ? 'csv' : 'jsonl');
    if (format !== 'csv' && format !== 'jsonl') fail('--format is csv or jsonl');
    return { file, format, kind: (values.kind as Kind | undefined) ?? kindFromName(file) };
  };
  if (!existsSync(path)) fail(`${path} does not exist`);
  if (!statSync(path).isDirectory()) return [fileOf(path)];
  const names = readdirSync(path);
  const order = [
    'areas.jsonl',
    'areas.csv',
    'households.jsonl',
    'households.csv',
    'residents.jsonl',
    'residents.csv',
  ];
  const chosen = order.filter((n) => names.includes(n));
  // One of households.jsonl and households.csv: they hold the same people.
  const files = chosen.filter((n) => !(n === 'households.csv' && chosen.includes('households.jsonl')));
  if (files.length === 0) fail(`${path} holds none of ${order.join(', ')}`);
  return files.map((n) => fileOf(join(path, n)));
}

function kindFromName(file: string): Kind {
  const name = basename(file).toLowerCase();
  if (name.startsWith('area')) return 'areas';
  if (name.startsWith('household')) return 'households';
  if (name.startsWith('resident') || name.startsWith('people')) return 'residents';
  fail(`cannot tell what ${file} holds from its name: give --kind areas|households|residents`);
}

/** Splits one CSV record (RFC 4180: quotes, doubled quotes; no line breaks inside fields). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cell);
      cell = '';
    } else cell += ch;
  }
  out.push(cell);
  return out;
}

const LISTS = new Set(['hardshipCategories', 'skills']);
/** A CSV row as the API's JSON: empty cells left out, lists split on ";". */
function csvRow(header: string[], fields: string[]): Row {
  const row: Row = {};
  header.forEach((name, i) => {
    const value = (fields[i] ?? '').trim();
    if (value === '') return;
    row[name] = LISTS.has(name)
      ? value
          .split(';')
          .map((s) => s.trim())
          .filter(Boolean)
      : value;
  });
  return row;
}

const HOUSEHOLD_FIELDS = ['householdId', 'communityCode', 'buildingCode', 'address'];

/** The items of a file: rows, or for households CSV the rows of one household grouped. */
async function* items(
  file: string,
  format: Format,
  kind: Kind,
  onBadLine: (line: number, detail: string) => void,
) {
  const lines = createInterface({
    input: createReadStream(file, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let header: string[] | undefined;
  let n = 0;
  let group: Item | undefined;
  for await (const raw of lines) {
    n++;
    const line = n === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (line.trim() === '') continue;
    let row: Row;
    if (format === 'jsonl') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        onBadLine(n, 'not valid JSON');
        continue;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        onBadLine(n, 'not a JSON object');
        continue;
      }
      row = parsed as Row;
    } else {
      if (!header) {
        header = csvFields(line).map((h) => h.trim());
        continue;
      }
      row = csvRow(header, csvFields(line));
    }
    if (kind === 'households' && format === 'csv') {
      const id = String(row.householdId ?? `line-${n}`);
      if (group && group.value.id !== id) {
        yield group;
        group = undefined;
      }
      const member = Object.fromEntries(Object.entries(row).filter(([k]) => !HOUSEHOLD_FIELDS.includes(k)));
      if (!group) {
        group = {
          lines: [],
          value: {
            ...(row.householdId ? { id: row.householdId } : {}),
            communityCode: row.communityCode,
            ...(row.buildingCode ? { buildingCode: row.buildingCode } : {}),
            ...(row.address ? { address: row.address } : {}),
            members: [],
          },
        };
      }
      group.lines.push(n);
      (group.value.members as Row[]).push(member);
      continue;
    }
    yield { lines: [n], value: row };
  }
  if (group) yield group;
}

async function countLines(file: string): Promise<number> {
  let count = 0;
  for await (const chunk of createReadStream(file)) {
    for (const byte of chunk as Buffer) if (byte === 10) count++;
  }
  return count;
}

interface Totals {
  rows: number;
  people: number;
  accepted: number;
  refused: number;
  byStatus: Record<string, number>;
}

const ENDPOINT: Record<Kind, { path: string; field: string }> = {
  areas: { path: '/v1/areas/batch', field: 'areas' },
  households: { path: '/v1/households/batch', field: 'households' },
  residents: { path: '/v1/residents/batch', field: 'residents' },
};
/** Row outcomes that mean "the row is in the registry". */
const ACCEPTED = new Set(['created', 'renamed', 'unchanged', 'linked', 'duplicate']);

async function post(
  path: string,
  body: unknown,
  key: string,
  bearer: () => Promise<string>,
): Promise<{ status: number; json: Row }> {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await bearer()}`,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(120_000),
      });
      const json = (await res.json().catch(() => ({}))) as Row;
      // Retried: an earlier try of this batch still running (409), rate limits, server trouble.
      const busy = res.status === 409 && String(json.type).endsWith('idempotency-request-in-progress');
      if ((busy || res.status === 429 || res.status >= 500) && attempt < 30) {
        const after = Number(res.headers.get('retry-after') ?? 0) * 1000;
        await new Promise((r) => setTimeout(r, Math.max(after, Math.min(10_000, 250 * 2 ** attempt))));
        continue;
      }
      return { status: res.status, json };
    } catch (err) {
      if (attempt >= 30) throw err;
      await new Promise((r) => setTimeout(r, Math.min(10_000, 250 * 2 ** attempt)));
    }
  }
}

async function importFile(
  file: string,
  format: Format,
  kind: Kind,
  bearer: () => Promise<string>,
): Promise<Totals> {
  const totalLines = Math.max(1, (await countLines(file)) - (format === 'csv' ? 1 : 0));
  // Keys name the file (as it is now) and the batch: a rerun of the same file replays its answers,
  // another file that happens to hold an identical batch does not.
  const { size, mtimeMs } = statSync(file);
  const fileIdentity = `${basename(file)}:${size}:${Math.floor(mtimeMs)}`;
  const errorsFile = `${file}.errors.jsonl`;
  const errors = createWriteStream(errorsFile);
  const totals: Totals = { rows: 0, people: 0, accepted: 0, refused: 0, byStatus: {} };
  const started = performance.now();
  let linesDone = 0;
  const writeError = (entry: Row) => {
    totals.refused++;
    errors.write(`${JSON.stringify({ file: basename(file), ...entry })}\n`);
  };
  // On a terminal the line is redrawn in place twice a second; elsewhere each answered batch adds a
  // plain line (no escape codes), and the timer stays off.
  const tty = process.stderr.isTTY === true;
  const progress = (final = false) => {
    if (values.quiet && !final) return;
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? totals.people / seconds : 0;
    const share = final ? 100 : Math.min(100, (linesDone / totalLines) * 100);
    const eta =
      rate > 0 && !final
        ? ` · ETA ${Math.ceil((totalLines - linesDone) / Math.max(1, linesDone / seconds))}s`
        : '';
    const statuses = Object.entries(totals.byStatus)
      .map(([s, n]) => `${s} ${n.toLocaleString('en')}`)
      .join(' · ');
    const unit = kind === 'areas' ? 'nodes' : 'people';
    const line = `[${kind}] ${share.toFixed(1)}% · ${totals.people.toLocaleString('en')} ${unit} · ${rate.toFixed(0)} ${unit}/s · ${statuses}${eta}`;
    process.stderr.write(tty ? `\r\x1b[2K${line}${final ? '\n' : ''}` : `${line}\n`);
  };
  const timer = tty ? setInterval(() => progress(), 500) : undefined;

  const inFlight = new Set<Promise<void>>();
  const send = async (batch: Item[]) => {
    const { path, field } = ENDPOINT[kind];
    const body = { [field]: batch.map((i) => i.value) };
    const digest = createHash('sha256')
      .update(`${fileIdentity}\n${values.fresh ?? ''}\n`)
      .update(JSON.stringify(body))
      .digest('hex');
    const key = `import-${kind}-${digest.slice(0, 48)}`;
    const { status, json } = await post(path, body, key, bearer);
    if (status !== 200) {
      for (const item of batch) writeError({ lines: item.lines, status, problem: json });
      throw new Error(`${path} answered ${status}: ${String(json.detail ?? json.title ?? '')}`);
    }
    const results = json.results as Row[];
    results.forEach((result, i) => {
      const item = batch[i]!;
      const people = kind === 'households' ? ((item.value.members as unknown[] | undefined)?.length ?? 0) : 1;
      const rowStatus = String(result.status);
      totals.byStatus[rowStatus] = (totals.byStatus[rowStatus] ?? 0) + 1;
      totals.people += people;
      if (ACCEPTED.has(rowStatus)) totals.accepted++;
      else writeError({ lines: item.lines, status: rowStatus, problem: result.problem });
      // People inside a stored household: created, linked (a rerun), or refused as registered elsewhere.
      if (rowStatus === 'created' || rowStatus === 'duplicate') {
        for (const m of (result.members as Row[] | undefined) ?? []) {
          const key = `people ${String(m.status)}`;
          totals.byStatus[key] = (totals.byStatus[key] ?? 0) + 1;
          if (m.status === 'duplicate') {
            writeError({
              lines: [item.lines[Number(m.index)] ?? item.lines[0]],
              member: m.index,
              status: 'member-duplicate',
              problem: m.problem,
            });
          }
        }
      }
      linesDone += item.lines.length;
    });
    if (!tty) progress();
  };
  // Tree batches go one after the other: a batch's nodes may be the parents of the next one's.
  const parallel = kind === 'areas' ? 1 : concurrency;
  const queue = async (batch: Item[]) => {
    while (inFlight.size >= parallel) await Promise.race(inFlight);
    const p = send(batch).finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  let batch: Item[] = [];
  let batchPeople = 0;
  for await (const item of items(file, format, kind, (line, detail) => {
    // Still a row of the file: counted, refused, and written out with its line.
    totals.rows++;
    totals.byStatus.unreadable = (totals.byStatus.unreadable ?? 0) + 1;
    writeError({ lines: [line], status: 'unreadable', problem: { detail } });
    linesDone++;
  })) {
    totals.rows++;
    const people = kind === 'households' ? ((item.value.members as unknown[] | undefined)?.length ?? 0) : 1;
    if (batch.length > 0 && (batch.length >= batchSize || batchPeople + people > batchSize)) {
      await queue(batch);
      batch = [];
      batchPeople = 0;
    }
    batch.push(item);
    batchPeople += people;
  }
  if (batch.length > 0) await queue(batch);
  await Promise.all(inFlight);
  clearInterval(timer);
  progress(true);
  await new Promise<void>((resolve) => errors.end(() => resolve()));
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `${JSON.stringify({
      file,
      kind,
      rows: totals.rows,
      people: kind === 'areas' ? undefined : totals.people,
      accepted: totals.accepted,
      refused: totals.refused,
      byStatus: totals.byStatus,
      seconds: Number(seconds.toFixed(1)),
      rowsPerSecond: Number((totals.rows / seconds).toFixed(1)),
      peoplePerSecond: kind === 'areas' ? undefined : Number((totals.people / seconds).toFixed(1)),
      errors: totals.refused > 0 ? errorsFile : undefined,
    })}\n`,
  );
  return totals;
}

const bearer = await tokens();
let refused = 0;
try {
  for (const { file, format, kind } of plan(positionals[0]!)) {
    refused += (await importFile(file, format, kind, bearer)).refused;
  }
} catch (err) {
  process.stderr.write(`\nimport-residents: ${(err as Error).message}\n`);
  process.exit(2);
}
process.exit(refused > 0 ? 1 : 0);

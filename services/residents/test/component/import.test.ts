import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResidentsConfig } from '../../src/config.ts';
import {
  dropDatabase,
  type RunningResidents,
  residentsTestConfig,
  startResidents,
  TestAuth,
} from '../support.ts';

const CLI = join(__dirname, '../../src/cli');

/** Runs a command-line tool of the service; its JSON lines on stdout, its exit code. */
function run(
  script: string,
  args: string[],
): Promise<{ code: number; lines: Array<Record<string, unknown>>; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(CLI, script), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code: code ?? -1,
        lines: out
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>),
        stderr: err,
      }),
    );
  });
}

describe('the synthetic city and the importer, end to end', () => {
  let auth: TestAuth;
  let config: ResidentsConfig;
  let service: RunningResidents;
  let dir: string;
  let token: string;

  beforeAll(async () => {
    auth = await TestAuth.start();
    config = residentsTestConfig(auth);
    service = await startResidents(config, { seed: false });
    dir = mkdtempSync(join(tmpdir(), 'city-'));
    token = await auth.issuer.token({
      clientId: 'city-importer',
      roles: ['residents:read', 'residents:write', 'areas:write'],
      areas: ['4201'],
    });
  });

  afterAll(async () => {
    await service.runtime.stop();
    await auth.stop();
    await dropDatabase(config);
    rmSync(dir, { recursive: true, force: true });
  });

  it('when a generated city is imported, then its tree, households and people are all stored, and a rerun stores nothing twice', async () => {
    const out = join(dir, 'small');
    const generated = await run('generate-city.ts', [
      '--scale',
      '300',
      '--out',
      out,
      '--seed',
      '7',
      '--streets-per-district',
      '2',
      '--communities-per-street',
      '2',
    ]);
    expect(generated.code).toBe(0);
    const summary = generated.lines[0] as {
      people: number;
      households: number;
      areas: { total: number; communities: number };
    };
    expect(summary.people).toBe(300);
    expect(summary.areas.communities).toBe(13 * 2 * 2);

    const imported = await run('import-residents.ts', [
      out,
      '--url',
      service.url,
      '--token',
      token,
      '--quiet',
    ]);
    expect(imported.stderr).not.toContain('import-residents:');
    expect(imported.code).toBe(0);
    const [areas, households] = imported.lines as Array<Record<string, unknown>>;
    expect(areas).toMatchObject({
      kind: 'areas',
      rows: summary.areas.total,
      accepted: summary.areas.total,
      refused: 0,
    });
    expect(households).toMatchObject({
      kind: 'households',
      rows: summary.households,
      people: 300,
      refused: 0,
    });
    expect((households!.byStatus as Record<string, number>)['people created']).toBe(300);

    const city = await service.request('GET', '/v1/areas/4201/children', { token });
    expect(city.body.items).toHaveLength(13);
    const first = JSON.parse(readFileSync(join(out, 'households.jsonl'), 'utf8').split('\n')[0]!);
    const stored = await service.request('GET', `/v1/households/${first.id}`, { token });
    expect(stored.status).toBe(200);
    expect(stored.body.members).toHaveLength(first.members.length);

    // The same files again (say after a crash): the answers are replayed, nothing is stored twice.
    const again = await run('import-residents.ts', [out, '--url', service.url, '--token', token, '--quiet']);
    expect(again.code).toBe(0);
    expect(again.lines[1]).toMatchObject({ rows: summary.households, refused: 0 });
    const people = await service.runtime.store.collection('residents').countDocuments();
    expect(people).toBe(300);
  });

  it('when households come as CSV with bad rows, then the good ones are stored and each bad row is written out with its line', async () => {
    const out = join(dir, 'csv');
    const generated = await run('generate-city.ts', [
      '--scale',
      '60',
      '--out',
      out,
      '--seed',
      '11',
      '--streets-per-district',
      '2',
      '--communities-per-street',
      '2',
      '--csv',
    ]);
    expect(generated.code).toBe(0);
    const csv = readFileSync(join(out, 'households.csv'), 'utf8').split('\n');
    // Break the ID number of the first person of the second household (line 3 or later).
    const secondId = csv[1]!.split(',')[0];
    const target = csv.findIndex((l, i) => i > 0 && !l.startsWith(secondId!) && l.length > 0);
    const cells = csv[target]!.split(',');
    cells[5] = `${cells[5]!.slice(0, 17)}${cells[5]!.endsWith('0') ? '1' : '0'}`;
    csv[target] = cells.join(',');
    writeFileSync(join(out, 'households.csv'), csv.join('\n'));

    const imported = await run('import-residents.ts', [
      join(out, 'households.csv'),
      '--url',
      service.url,
      '--token',
      token,
      '--quiet',
    ]);
    expect(imported.code).toBe(1);
    const [result] = imported.lines;
    expect(result).toMatchObject({ kind: 'households', refused: 1 });
    const errors = readFileSync(join(out, 'households.csv.errors.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(errors).toHaveLength(1);
    expect(errors[0].lines).toContain(target + 1);
    expect(errors[0].problem.errors[0]).toMatchObject({ detail: 'fails the GB 11643 check digit' });
  });

  /** A generated city of its own (one street per district, one community per street), its tree imported. */
  async function cityWithTree(name: string, seed: number, scale: number) {
    const out = join(dir, name);
    const generated = await run('generate-city.ts', [
      '--scale',
      String(scale),
      '--out',
      out,
      '--seed',
      String(seed),
      '--streets-per-district',
      '1',
      '--communities-per-street',
      '1',
    ]);
    expect(generated.code).toBe(0);
    const tree = await run('import-residents.ts', [
      join(out, 'areas.jsonl'),
      '--url',
      service.url,
      '--token',
      token,
      '--quiet',
    ]);
    expect(tree.code).toBe(0);
    const households = readFileSync(join(out, 'households.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.length > 0);
    return { out, households };
  }

  it('when households come as JSON lines with bad rows, then each bad row gets its own error with its line and the good rows are stored', async () => {
    const { out, households } = await cityWithTree('jsonl', 13, 40);
    expect(households.length).toBeGreaterThanOrEqual(6);
    const [first, second, third, fourth, ...rest] = households.map(
      (l) => JSON.parse(l) as { id: string; communityCode?: string; members: Array<{ nationalId: string }> },
    );
    const badId = structuredClone(third!);
    const id = badId.members[0]!.nationalId;
    badId.members[0]!.nationalId = `${id.slice(0, 17)}${id.endsWith('0') ? '1' : '0'}`;
    const noCommunity = structuredClone(fourth!);
    delete noCommunity.communityCode;
    const good = [first!, second!, ...rest];
    const lines = [
      JSON.stringify(first), // 1
      '{"id": "cut off in the middle', // 2: not JSON
      JSON.stringify(second), // 3
      JSON.stringify(badId), // 4: an ID number that fails its check digit
      '', // 5: blank, skipped
      JSON.stringify(noCommunity), // 6: no community
      'null', // 7: JSON, but not a household
      ...rest.map((h) => JSON.stringify(h)), // 8…
    ];
    const file = join(out, 'households.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);

    const imported = await run('import-residents.ts', [
      file,
      '--url',
      service.url,
      '--token',
      token,
      '--batch',
      '10',
      '--quiet',
    ]);
    expect(imported.stderr).not.toContain('import-residents:');
    expect(imported.code).toBe(1); // some rows refused
    const people = (hs: Array<{ members: unknown[] }>) => hs.reduce((n, h) => n + h.members.length, 0);
    expect(imported.lines[0]).toMatchObject({
      kind: 'households',
      rows: households.length + 2,
      accepted: good.length,
      refused: 4,
      errors: `${file}.errors.jsonl`,
    });
    expect((imported.lines[0]!.byStatus as Record<string, number>)['people created']).toBe(people(good));

    const errors = readFileSync(`${file}.errors.jsonl`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(errors.map((e) => e.lines)).toEqual([[2], [7], [4], [6]]);
    expect(errors.map((e) => [e.lines[0], e.status])).toEqual([
      [2, 'unreadable'],
      [7, 'unreadable'],
      [4, 'invalid'],
      [6, 'invalid'],
    ]);
    expect(errors[0].problem.detail).toBe('not valid JSON');
    expect(errors[1].problem.detail).toBe('not a JSON object');
    expect(errors[2].problem.errors).toEqual([
      expect.objectContaining({ pointer: '/members/0/nationalId', detail: 'fails the GB 11643 check digit' }),
    ]);
    expect(errors[3].problem.errors.map((e: { pointer: string }) => e.pointer)).toContain('/communityCode');
    // The errors file names lines and problems, never an ID number.
    expect(JSON.stringify(errors)).not.toContain(id.slice(0, 17));

    for (const h of good) {
      const stored = await service.request('GET', `/v1/households/${h.id}`, { token });
      expect(stored.status).toBe(200);
      expect(stored.body.members).toHaveLength(h.members.length);
    }
    for (const h of [badId, noCommunity]) {
      expect((await service.request('GET', `/v1/households/${h.id}`, { token })).status).toBe(404);
    }
    // Nothing of a refused household was stored, not even its members whose rows were good.
    const refusedMember = await service.request('POST', '/v1/residents/lookup', {
      token,
      body: { nationalId: badId.members.at(-1)!.nationalId },
    });
    expect(refusedMember.status).toBe(404);
  });

  it('when the importer writes to a pipe, then it shows a plain progress line per batch, rising to 100%, and the last line sums the file up', async () => {
    const { out, households } = await cityWithTree('progress', 17, 60);
    const people = households.reduce(
      (n, l) => n + (JSON.parse(l) as { members: unknown[] }).members.length,
      0,
    );
    const imported = await run('import-residents.ts', [
      join(out, 'households.jsonl'),
      '--url',
      service.url,
      '--token',
      token,
      '--batch',
      '10',
      '--concurrency',
      '1',
    ]);
    expect(imported.code).toBe(0);
    expect(imported.stderr).not.toContain('\x1b'); // no terminal escape codes in a log
    expect(imported.stderr).not.toContain('\r');
    const progress = imported.stderr
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => {
        const m = l.match(/^\[households\] (\d+\.\d)% · ([\d,]+) people · (\d+) people\/s · (.*)$/);
        if (!m) throw new Error(`not a progress line: ${l}`);
        return { share: Number(m[1]), people: Number(m[2]!.replace(/,/g, '')), rest: m[4]! };
      });
    expect(imported.lines[0]).toMatchObject({ kind: 'households', people, refused: 0 });
    // One line per batch of at most 10 people, and the last one.
    expect(progress.length).toBeGreaterThanOrEqual(Math.ceil(people / 10) + 1);
    const shares = progress.map((p) => p.share);
    const counts = progress.map((p) => p.people);
    expect([...shares].sort((a, b) => a - b)).toEqual(shares);
    expect([...counts].sort((a, b) => a - b)).toEqual(counts);
    expect(shares[0]).toBeGreaterThan(0);
    expect(shares[0]).toBeLessThan(100);
    expect(counts[0]).toBeLessThanOrEqual(10);
    const last = progress.at(-1)!;
    expect(last.share).toBe(100);
    expect(last.people).toBe(people);
    expect(last.rest).toContain(`created ${households.length}`);
    expect(last.rest).toContain(`people created ${people}`);
    expect(last.rest).not.toContain('ETA');
    expect(progress.slice(0, -1).every((p) => p.rest.includes('ETA'))).toBe(true);

    // --quiet: only the last line.
    const quiet = await run('import-residents.ts', [
      join(out, 'households.jsonl'),
      '--url',
      service.url,
      '--token',
      token,
      '--batch',
      '10',
      '--quiet',
    ]);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^\[households\] 100\.0% · /)]);
  });
});

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
});

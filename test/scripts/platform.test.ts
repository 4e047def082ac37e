import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// scripts/lib/platform.sh, exercised in bash on a state folder of its own: no infrastructure runs,
// processes are stand-ins (sleep), and the ports are ones nothing listens on.
const root = join(__dirname, '..', '..');
// An offset no stack of this machine uses, so every port of the profile is closed.
const OFFSET = '3917';

function bash(
  cache: string,
  snippet: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    'bash',
    [
      '-c',
      `source "${root}/scripts/lib/common.sh"; source "$ROOT/scripts/lib/infra.sh"; source "$ROOT/scripts/lib/platform.sh"; ${snippet}`,
    ],
    {
      env: { ...process.env, EMPLOYMENT_CACHE: cache, INFRA_PROFILE: 'test', INFRA_PORT_OFFSET: OFFSET },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('the platform scripts', () => {
  let cache: string;
  let pids: string;
  const standIns: ChildProcess[] = [];

  /** A live process that is not the part it stands for: it listens on nothing. */
  const standIn = () => {
    const child = spawn('sleep', ['120'], { stdio: 'ignore' });
    standIns.push(child);
    return child.pid!;
  };
  /** The id of a process that has exited. */
  const deadPid = async () => {
    const child = spawn('true', [], { stdio: 'ignore' });
    await new Promise((resolve) => child.on('exit', resolve));
    return child.pid!;
  };
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  beforeEach(() => {
    cache = mkdtempSync(join(tmpdir(), 'platform-scripts-'));
    pids = join(cache, 'state', `test-${OFFSET}`, 'pids');
    mkdirSync(pids, { recursive: true });
  });

  afterEach(() => {
    for (const child of standIns.splice(0)) child.kill('SIGKILL');
    rmSync(cache, { recursive: true, force: true });
  });

  it('when many starts make the development secrets at once on an empty state, then each reads the same two complete keys', async () => {
    // The first start on a fresh machine starts every service side by side, and each reads the
    // secrets: a reader must never see a file another is still writing, nor other keys.
    for (let trial = 0; trial < 5; trial++) {
      const state = mkdtempSync(join(tmpdir(), 'platform-secrets-'));
      try {
        const reads = await Promise.all(
          Array.from({ length: 12 }, () => bash(state, 'cat "$(platform_secrets)"')),
        );
        for (const read of reads) {
          expect(read.code).toBe(0);
          expect(read.stdout).toMatch(
            /^PII_ENCRYPTION_KEY=[A-Za-z0-9+/]{43}=\nPII_HASH_KEY=[A-Za-z0-9+/]{43}=\n$/,
          );
        }
        expect(new Set(reads.map((r) => r.stdout)).size).toBe(1);
      } finally {
        rmSync(state, { recursive: true, force: true });
      }
    }
  });

  it('when a service replica was killed and another is alive but not ready, then status says down for the first and starting for the second', async () => {
    writeFileSync(join(cache, 'state', `test-${OFFSET}`, 'replicas'), '2\n');
    writeFileSync(join(pids, 'residents.pid'), `${standIn()}\n`);
    writeFileSync(join(pids, 'residents-2.pid'), `${await deadPid()}\n`);
    writeFileSync(join(pids, 'kafka.pid'), `${standIn()}\n`);
    writeFileSync(join(pids, 'redis.pid'), `${await deadPid()}\n`);

    const status = await bash(cache, 'platform_status');

    const line = (name: string) => status.stdout.split('\n').find((l) => l.trim().split(/\s+/)[0] === name);
    const residentsPort = 8281 + Number(OFFSET);
    expect(line('residents')).toMatch(new RegExp(`starting\\s+http://127.0.0.1:${residentsPort}$`));
    // Replica 2 listens 20 ports above replica 1.
    expect(line('residents-2')).toMatch(
      new RegExp(`down\\s+http://127.0.0.1:${residentsPort + 20}\\s+\\(its process is gone`),
    );
    expect(line('jobs')).toMatch(/\bdown\s+http:\/\/127.0.0.1:\d+$/);
    expect(line('jobs-2')).toMatch(/\bdown\b/);
    // Infrastructure too: a live broker not answering yet is starting, a killed Redis down.
    expect(line('kafka')).toMatch(/\bstarting\b/);
    expect(line('redis')).toMatch(/\bdown\b.*its process is gone/);
    expect(line('ferretdb')).toMatch(/\bdown\b/);
    expect(status.code).not.toBe(0);
  });

  it('when a service replica is alive but not ready, then starting the platform leaves its process alone', async () => {
    const pid = standIn();
    writeFileSync(join(pids, 'residents.pid'), `${pid}\n`);

    const started = await bash(cache, 'start_service residents 1');

    const now = Number(readFileSync(join(pids, 'residents.pid'), 'utf8'));
    // Whatever a wrong start launched is stopped here, so the test leaves nothing behind.
    if (now !== pid && alive(now)) process.kill(now, 'SIGKILL');
    expect(started.code).toBe(0);
    expect(now).toBe(pid);
    expect(alive(pid)).toBe(true);
  });

  it('when the platform stops, then every replica of every service stops, those beyond the wanted number too', async () => {
    writeFileSync(join(cache, 'state', `test-${OFFSET}`, 'replicas'), '2\n');
    const replicas = { residents: standIn(), 'residents-2': standIn(), jobs: standIn(), 'jobs-3': standIn() };
    for (const [id, pid] of Object.entries(replicas)) writeFileSync(join(pids, `${id}.pid`), `${pid}\n`);

    const stopped = await bash(cache, 'platform_stop');

    expect(stopped.code).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const [id, pid] of Object.entries(replicas))
      expect({ id, alive: alive(pid) }).toEqual({ id, alive: false });
  });
});

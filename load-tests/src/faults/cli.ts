// The fault-injection suite (scripts/chaos passes the platform's layout; see load-tests/README.md).
// Exit 0 when every round passed, 1 when one failed, 2 when the run could not be made.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../cli-args.ts';
import { PARTS, type Part, Platform } from './platform.ts';
import { writeReport } from './report.ts';
import { type RoundPlan, runFaults } from './run.ts';

const usage = `usage: scripts/chaos [--short] [--parts LIST] [--rounds N] [--load D] [--replicas N] [options]
  --short            the short form scripts/test runs: --parts postgres,replica --load 20s
  --parts LIST       what to kill, in order, comma-separated: ${PARTS.join(', ')}, and
                     replica (one replica of residents and one of jobs, with 2 of each running),
                     none (a control round: the same load and checks, nothing killed);
                     default: every part, then replica
  --rounds N         rounds of each part (default 1)
  --load D           registration load per round (default 30s); the kill comes --kill-after in,
                     the restart --down after it, and the load goes on at least 5 s after the restart
  --kill-after D     default 5s
  --down D           how long a killed part stays down (default 10s)
  --replicas N       processes of each service in the rounds that kill one part (default 1; the
                     replica rounds run at least 2)
  --clients N        concurrent district clients, 8 to 16 (default 12)
  --think D          pause between two requests of a client (default 200ms)
  --seed N           seed of the synthetic people (default 18)
  --settle D         longest wait for the platform to catch up after a round (default 120s)
  --report-dir DIR   default load-tests/reports/chaos-<time>
  --keep-running     leave the platform running afterwards (default: scripts/stop)`;

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    allowPositionals: false,
    options: {
      short: { type: 'boolean', default: false },
      parts: { type: 'string' },
      rounds: { type: 'string', default: '1' },
      load: { type: 'string' },
      'kill-after': { type: 'string', default: '5s' },
      down: { type: 'string', default: '10s' },
      replicas: { type: 'string', default: '1' },
      clients: { type: 'string', default: '12' },
      think: { type: 'string', default: '200ms' },
      seed: { type: 'string', default: '18' },
      settle: { type: 'string', default: '120s' },
      'report-dir': { type: 'string' },
      'keep-running': { type: 'boolean', default: false },
      // The platform's layout, from scripts/chaos.
      root: { type: 'string' },
      'state-dir': { type: 'string' },
      'pg-data': { type: 'string' },
      'residents-port': { type: 'string' },
      'jobs-port': { type: 'string' },
      'replica-step': { type: 'string' },
      'mongo-url': { type: 'string' },
      'kafka-brokers': { type: 'string' },
      'key-file': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}
try {
  parsed = parse();
} catch (err) {
  fail(`${(err as Error).message}\n${usage}`);
}
const v = parsed.values;
if (v.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
for (const name of [
  'root',
  'state-dir',
  'pg-data',
  'residents-port',
  'jobs-port',
  'replica-step',
  'mongo-url',
  'kafka-brokers',
  'key-file',
] as const) {
  if (!v[name]) fail(`--${name} is missing: run the suite through scripts/chaos`);
}

const int = (name: string, text: string, min: number, max: number) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    fail(`--${name} takes a whole number from ${min} to ${max} (got ${text})`);
  return n;
};
const seconds = (name: string, text: string) => {
  try {
    return parseDuration(text);
  } catch {
    fail(`--${name}: cannot read the duration "${text}" (e.g. 30s, 2m)`);
  }
};

const partsText = v.parts ?? (v.short ? 'postgres,replica' : [...PARTS, 'replica'].join(','));
const parts = partsText.split(',').map((p) => p.trim());
for (const p of parts) {
  if (p !== 'replica' && p !== 'none' && !(PARTS as readonly string[]).includes(p))
    fail(`unknown part "${p}"\n${usage}`);
}
const rounds = int('rounds', v.rounds, 1, 20);
const replicas = int('replicas', v.replicas, 1, 9);
const plans: RoundPlan[] = [];
// The replica rounds come last: the platform grows to two replicas once, and stays so.
for (let r = 0; r < rounds; r++) {
  for (const p of parts.filter((p) => p !== 'replica'))
    plans.push(
      p === 'none'
        ? { name: 'no kill (control)', kills: [], replicas }
        : { name: `kill ${p}`, kills: [{ part: p as Part }], replicas },
    );
}
for (let r = 0; r < rounds; r++) {
  if (!parts.includes('replica')) break;
  plans.push({
    name: 'kill one replica of residents and one of jobs',
    kills: [
      { part: 'residents', replicas: [2] },
      { part: 'jobs', replicas: [1] },
    ],
    replicas: Math.max(2, replicas),
  });
}

const time = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
const reportDir = v['report-dir'] ?? join(import.meta.dirname, '..', '..', 'reports', `chaos-${time}`);
mkdirSync(reportDir, { recursive: true });
const log = (line: string) => process.stderr.write(`${line}\n`);
const platform = new Platform({
  root: v.root!,
  stateDir: v['state-dir']!,
  pgData: v['pg-data']!,
  ports: { residents: Number(v['residents-port']), jobs: Number(v['jobs-port']) },
  replicaStep: Number(v['replica-step']),
  logFile: join(reportDir, 'scripts.log'),
});

let code = 2;
try {
  const run = await runFaults(
    {
      layout: platform.layout,
      mongoUrl: v['mongo-url']!,
      kafkaBrokers: v['kafka-brokers']!.split(','),
      keyFile: v['key-file']!,
      plans,
      loadSeconds: seconds('load', v.load ?? (v.short ? '20s' : '30s')),
      killAfterSeconds: seconds('kill-after', v['kill-after']),
      downSeconds: seconds('down', v.down),
      afterRestartSeconds: 5,
      clients: int('clients', v.clients, 8, 16),
      thinkMs: seconds('think', v.think) * 1000,
      batchShare: 0.25,
      batchSizes: [2, 10],
      seed: int('seed', v.seed, 1, 2 ** 31 - 2),
      settleTimeoutSeconds: seconds('settle', v.settle),
      attemptTimeoutMs: 15_000,
      retryDeadlineMs: 150_000,
      attemptsFile: join(reportDir, 'attempts.jsonl'),
      log,
    },
    platform,
  );
  const paths = writeReport(run, reportDir);
  process.stdout.write(
    `\n${run.rounds
      .map(
        (r) =>
          `round ${r.index} ${r.name}: ${r.failures.length === 0 ? 'passed' : `FAILED (${r.failures.join('; ')})`}`,
      )
      .join(
        '\n',
      )}\nfault injection ${run.passed ? 'passed' : 'FAILED'} in ${run.seconds.toFixed(0)} s\n${paths.markdown}\n${paths.json}\n`,
  );
  code = run.passed ? 0 : 1;
} catch (err) {
  process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  code = 2;
} finally {
  if (!v['keep-running']) {
    log('platform: scripts/stop');
    await platform.stop().catch((err) => log(`scripts/stop failed: ${(err as Error).message}`));
  }
}
process.exit(code);

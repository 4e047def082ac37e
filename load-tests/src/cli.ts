// Runs a load scenario against the platform that scripts/start runs and writes the report.
// usage: node load-tests/src/cli.ts [--duration 60s] [--smoke] [--scenario NAME|FILE] [options]
// (scripts/load passes the platform's addresses). The JSON report's path is the last line on stdout;
// exit 0 when every threshold passed, 1 when one failed, 2 when the run could not be made.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parseDuration } from './cli-args.ts';
import { runLoadTest } from './harness.ts';
import { writeReport } from './report.ts';
import { platformProcessGroups } from './resources.ts';
import type { Scenario } from './scenario.ts';

const here = import.meta.dirname;
const usage = `usage: scripts/load [--duration 60s] [--smoke] [--scenario NAME|FILE]
  --duration D        length of the load phases (e.g. 30s, 2m); the scenario's stages are scaled to it
  --smoke             a few seconds at tiny rates (the smoke scenario, lenient thresholds)
  --scenario S        a file under load-tests/scenarios (without .ts) or a path; default peak-registration
  --target URL        residents service (default http://127.0.0.1:8081)
  --mongo-url URL     its store (default $MONGODB_URL or mongodb://127.0.0.1:27017)
  --database NAME     its database (default residents)
  --kafka-brokers B   comma-separated (default $KAFKA_BROKERS or 127.0.0.1:9092)
  --key-file FILE     the local issuer's key (default <state>/issuer-key.json)
  --state-dir DIR     the platform's state folder with pids/ (default \${EMPLOYMENT_CACHE:-~/.cache/employment-platform}/state/dev)
  --pg-data DIR       PostgreSQL's data folder, to find its processes
  --no-processes      do not sample the platform's processes
  --report-dir DIR    where reports go (default load-tests/reports)
  --seed N            seed of the synthetic people (default random)
  --settle D          first wait up to D (e.g. 5m) for the platform's consumers to catch up with
                      the residents topic (back-to-back runs); default: start at once`;

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    allowPositionals: false,
    options: {
      duration: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      scenario: { type: 'string' },
      target: { type: 'string', default: 'http://127.0.0.1:8081' },
      'mongo-url': { type: 'string' },
      database: { type: 'string', default: 'residents' },
      'kafka-brokers': { type: 'string' },
      'key-file': { type: 'string' },
      'state-dir': { type: 'string' },
      'pg-data': { type: 'string' },
      'no-processes': { type: 'boolean', default: false },
      'report-dir': { type: 'string' },
      seed: { type: 'string' },
      settle: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}
try {
  args = parse();
} catch (err) {
  fail(`${(err as Error).message}\n${usage}`);
}
const v = args.values;
if (v.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}

const cache = process.env.EMPLOYMENT_CACHE || join(homedir(), '.cache', 'employment-platform');
const stateDir = v['state-dir'] ?? join(cache, 'state', 'dev');
const keyFile = v['key-file'] ?? join(stateDir, 'issuer-key.json');
const scenarioName = v.scenario ?? (v.smoke ? 'smoke' : 'peak-registration');
const scenarioFile =
  scenarioName.endsWith('.ts') || scenarioName.includes('/')
    ? isAbsolute(scenarioName)
      ? scenarioName
      : resolve(process.cwd(), scenarioName)
    : join(here, '..', 'scenarios', `${scenarioName}.ts`);
if (!existsSync(scenarioFile)) fail(`no scenario at ${scenarioFile}`);
const loaded = (await import(pathToFileURL(scenarioFile).href)) as {
  scenario?: Scenario;
  default?: Scenario;
};
const scenario = loaded.scenario ?? loaded.default;
if (!scenario) fail(`${scenarioFile} exports no \`scenario\``);

let durationSeconds: number | undefined;
let settleSeconds = 0;
try {
  durationSeconds = v.duration ? parseDuration(v.duration) : undefined;
  settleSeconds = v.settle ? parseDuration(v.settle) : 0;
} catch (err) {
  fail((err as Error).message);
}
const log = (line: string) => process.stderr.write(`${line}\n`);

try {
  const report = await runLoadTest({
    scenario,
    ...(durationSeconds === undefined ? {} : { durationSeconds }),
    smoke: v.smoke,
    baseUrl: v.target,
    mongoUrl: v['mongo-url'] ?? process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017',
    database: v.database,
    kafkaBrokers: (v['kafka-brokers'] ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092')
      .split(',')
      .map((b) => b.trim()),
    auth: { keyFile },
    processes: v['no-processes']
      ? []
      : platformProcessGroups({ stateDir, ...(v['pg-data'] ? { pgData: v['pg-data'] } : {}) }),
    ...(v.seed ? { seed: Number(v.seed) } : {}),
    settleSeconds,
    log,
  });
  const dir = v['report-dir'] ?? join(here, '..', 'reports');
  const paths = writeReport(report, dir);
  const p = report.platform;
  const lines = [
    '',
    `raw store ${report.reference.storeInsertsPerSecond}/s, raw kafka ${report.reference.kafkaMessagesPerSecond} msg/s`,
    `single ${p.singleRegistrationsPerSecond}/s (${(report.ratio.singleToStore * 100).toFixed(1)} % of raw store), batch ${p.batchPeoplePerSecond} people/s (${report.ratio.batchToSingle}× single)`,
    `single latency p50/p95/p99 ${p.latencyMs.p50}/${p.latencyMs.p95}/${p.latencyMs.p99} ms, errors ${p.errors}/${p.requests}, dropped ${p.dropped}, late ${p.late}`,
    `propagation p50/p99 ${report.propagationMs.p50}/${report.propagationMs.p99} ms; accepted ${report.accepted}, stored ${report.stored}, published ${report.published}, lost ${report.lost}`,
    ...report.targets.map(
      (t) => `target    ${t.pass ? 'pass' : 'FAIL'}  ${t.name} (${t.actual} ${t.op} ${t.limit})`,
    ),
    ...report.thresholds.map(
      (t) => `threshold ${t.pass ? 'pass' : 'FAIL'}  ${t.name} (${t.actual} ${t.op} ${t.limit})`,
    ),
    `thresholds ${report.passed ? 'passed' : 'FAILED'}`,
    paths.markdown,
    paths.json,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  // Writes to pipes and files are synchronous on Linux: nothing printed is cut off by exiting.
  process.exit(report.passed ? 0 : 1);
} catch (err) {
  fail(err instanceof Error ? (err.stack ?? err.message) : String(err));
}

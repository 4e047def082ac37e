import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

/**
 * CPU and memory of the platform's processes, sampled from /proc while the run goes on. A group
 * is one part of the platform (the residents service, Kafka, FerretDB, PostgreSQL with all its
 * backends, Redis, the load generator itself); its processes are looked up again at every sample,
 * so PostgreSQL backends that come and go are counted.
 */
export interface ProcessGroupSpec {
  name: string;
  pids: () => number[];
}

export interface GroupSample {
  /** Percent of one core (200 = both cores of a two-core machine). */
  cpuPercent: number;
  rssMb: number;
  /**
   * The group's memory with shared pages counted once: every process's private memory plus the
   * largest shared part (PostgreSQL's backends all map its shared buffers; summing RSS would count
   * them once per backend). For one process it equals its RSS.
   */
  memoryMb: number;
  processes: number;
}

export interface Sample {
  /** Epoch milliseconds. */
  at: number;
  groups: Record<string, GroupSample>;
  /** Busy share of all cores of the machine, percent. */
  machineBusyPercent: number;
  /** CPU of every process outside the groups (other users of the machine), percent of one core. */
  otherCpuPercent: number;
}

export interface GroupSummary {
  cpuPercentMean: number;
  cpuPercentMax: number;
  rssMbMean: number;
  rssMbMax: number;
  memoryMbMean: number;
  memoryMbMax: number;
  processes: number;
}

export interface ResourceWindow {
  name: string;
  samples: number;
  machineBusyPercentMean: number;
  /** CPU used by processes outside the groups, percent of one core: what else ran on the machine. */
  otherCpuPercentMean: number;
  groups: Record<string, GroupSummary>;
}

const isLinux = process.platform === 'linux' && existsSync('/proc/self/stat');

function sysconf(name: string, fallback: number): number {
  try {
    const v = Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim());
    return Number.isFinite(v) && v > 0 ? v : fallback;
  } catch {
    return fallback;
  }
}

interface ProcStat {
  ppid: number;
  ticks: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

/** Private (anonymous) and shared (file, shared memory) resident memory of a process, from status. */
function readMemoryKb(pid: number): { rss: number; anon: number; shared: number } {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(text.match(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm'))?.[1] ?? 0);
    const rss = kb('VmRSS');
    const anon = kb('RssAnon');
    return { rss, anon, shared: Math.max(0, rss - anon) };
  } catch {
    return { rss: 0, anon: 0, shared: 0 };
  }
}

function machineTicks(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.reduce((s, x) => s + (Number.isFinite(x) ? x : 0), 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

function allPids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((n) => /^\d+$/.test(n))
      .map(Number);
  } catch {
    return [];
  }
}

/** The pid in a pid file, when that process runs. */
export function pidFromFile(file: string): number[] {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return pid > 0 && existsSync(`/proc/${pid}`) ? [pid] : [];
  } catch {
    return [];
  }
}

function readChildren(pid: number): number[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return undefined;
  }
}

const postmasters = new Map<string, number>();

/**
 * The PostgreSQL postmaster started on `dataDir` (`postgres -D dataDir`) and all its children.
 * The postmaster is found once by scanning /proc; its children come from its `children` file.
 */
export function postgresPids(dataDir: string | RegExp): number[] {
  const key = String(dataDir);
  const cached = postmasters.get(key);
  if (cached !== undefined && existsSync(`/proc/${cached}`)) {
    const children = readChildren(cached);
    if (children) return [cached, ...children];
  }
  const pids = allPids();
  const matches = (arg: string) => (typeof dataDir === 'string' ? arg === dataDir : dataDir.test(arg));
  const masters = pids.filter((pid) => {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const d = argv.indexOf('-D');
      return /(^|\/)postgres$/.test(argv[0] ?? '') && d >= 0 && matches(argv[d + 1] ?? '');
    } catch {
      return false;
    }
  });
  if (masters.length === 0) return [];
  if (masters.length === 1) postmasters.set(key, masters[0]!);
  const parents = new Set(masters);
  const children = pids.filter((pid) => parents.has(readStat(pid)?.ppid ?? -1));
  return [...masters, ...children];
}

/**
 * Process groups of the platform that scripts/start runs, from its state folder: the residents
 * service, Kafka, FerretDB, PostgreSQL (all its processes), Redis, then every other pid file there
 * (other services, the token issuer), since they share the machine's cores.
 */
export function platformProcessGroups(options: {
  stateDir: string;
  /** PostgreSQL's data folder; default: any `.../<profile>/postgres`. */
  pgData?: string;
  profile?: string;
}): ProcessGroupSpec[] {
  const pidDir = join(options.stateDir, 'pids');
  const pidFile = (name: string) => join(pidDir, `${name}.pid`);
  const pg = options.pgData ?? new RegExp(`/${options.profile ?? 'dev'}/postgres/?$`);
  const known = ['residents', 'kafka', 'ferretdb', 'redis'];
  let others: string[] = [];
  try {
    others = readdirSync(pidDir)
      .filter((f) => f.endsWith('.pid'))
      .map((f) => f.slice(0, -4))
      .filter((name) => !known.includes(name))
      .sort();
  } catch {
    others = [];
  }
  return [
    { name: 'residents', pids: () => pidFromFile(pidFile('residents')) },
    { name: 'kafka', pids: () => pidFromFile(pidFile('kafka')) },
    { name: 'ferretdb', pids: () => pidFromFile(pidFile('ferretdb')) },
    { name: 'postgres', pids: () => postgresPids(pg) },
    { name: 'redis', pids: () => pidFromFile(pidFile('redis')) },
    ...others.map((name) => ({ name, pids: () => pidFromFile(pidFile(name)) })),
  ];
}

export class ResourceSampler {
  readonly samples: Sample[] = [];
  readonly available = isLinux;
  private readonly groups: ProcessGroupSpec[];
  private readonly intervalMs: number;
  private readonly hz: number;
  private readonly cpus = Math.max(1, cpus().length);
  private previous = new Map<number, number>();
  private previousAt = 0;
  private previousMachine = { busy: 0, total: 0 };
  private timer: NodeJS.Timeout | undefined;
  private readonly cached = new Map<string, number[]>();

  constructor(groups: ProcessGroupSpec[], intervalMs: number) {
    this.groups = groups;
    this.intervalMs = intervalMs;
    this.hz = isLinux ? sysconf('CLK_TCK', 100) : 100;
  }

  start(): void {
    if (!this.available) return;
    this.sample(true);
    this.timer = setInterval(() => this.sample(false), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.available) this.sample(false);
  }

  /** Which groups had processes at the last sample, and which did not. */
  found(): Record<string, number> {
    return Object.fromEntries(this.groups.map((g) => [g.name, this.cached.get(g.name)?.length ?? 0]));
  }

  private sample(baseline: boolean): void {
    const at = performance.timeOrigin + performance.now();
    const seconds = (at - this.previousAt) / 1000;
    const current = new Map<number, number>();
    const groups: Record<string, GroupSample> = {};
    for (const group of this.groups) {
      let pids: number[];
      try {
        pids = group.pids();
      } catch {
        pids = [];
      }
      this.cached.set(group.name, pids);
      let ticks = 0;
      let rssKb = 0;
      let anonKb = 0;
      let sharedKb = 0;
      for (const pid of pids) {
        const stat = readStat(pid);
        if (!stat) continue;
        current.set(pid, stat.ticks);
        // A process first seen now started after the previous sample (or this is the baseline).
        ticks += stat.ticks - (this.previous.get(pid) ?? (baseline ? stat.ticks : 0));
        const memory = readMemoryKb(pid);
        rssKb += memory.rss;
        anonKb += memory.anon;
        sharedKb = Math.max(sharedKb, memory.shared);
      }
      groups[group.name] = {
        cpuPercent: baseline || seconds <= 0 ? 0 : Math.round((ticks / this.hz / seconds) * 1000) / 10,
        rssMb: Math.round(rssKb / 102.4) / 10,
        memoryMb: Math.round((anonKb + sharedKb) / 102.4) / 10,
        processes: pids.length,
      };
    }
    const machine = machineTicks();
    const dTotal = machine.total - this.previousMachine.total;
    const machineBusyPercent =
      baseline || dTotal <= 0
        ? 0
        : Math.round(((machine.busy - this.previousMachine.busy) / dTotal) * 1000) / 10;
    this.previous = current;
    this.previousAt = at;
    this.previousMachine = machine;
    const inGroups = Object.values(groups).reduce((sum, g) => sum + g.cpuPercent, 0);
    const otherCpuPercent = Math.max(0, Math.round((machineBusyPercent * this.cpus - inGroups) * 10) / 10);
    if (!baseline) this.samples.push({ at, groups, machineBusyPercent, otherCpuPercent });
  }

  /** Means and peaks over the samples taken between `from` and `to` (epoch ms). */
  summarize(name: string, from: number, to: number): ResourceWindow {
    const inside = this.samples.filter((s) => s.at > from && s.at <= to + this.intervalMs / 2);
    const groups: Record<string, GroupSummary> = {};
    for (const group of this.groups) {
      const values = inside.map((s) => s.groups[group.name]).filter((g): g is GroupSample => g !== undefined);
      const mean = (xs: number[]) =>
        xs.length ? Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 10) / 10 : 0;
      groups[group.name] = {
        cpuPercentMean: mean(values.map((v) => v.cpuPercent)),
        cpuPercentMax: Math.max(0, ...values.map((v) => v.cpuPercent)),
        rssMbMean: mean(values.map((v) => v.rssMb)),
        rssMbMax: Math.max(0, ...values.map((v) => v.rssMb)),
        memoryMbMean: mean(values.map((v) => v.memoryMb)),
        memoryMbMax: Math.max(0, ...values.map((v) => v.memoryMb)),
        processes: Math.max(0, ...values.map((v) => v.processes)),
      };
    }
    const busy = inside.map((s) => s.machineBusyPercent);
    const other = inside.map((s) => s.otherCpuPercent);
    return {
      name,
      samples: inside.length,
      otherCpuPercentMean: other.length
        ? Math.round((other.reduce((a, b) => a + b, 0) / other.length) * 10) / 10
        : 0,
      machineBusyPercentMean: busy.length
        ? Math.round((busy.reduce((a, b) => a + b, 0) / busy.length) * 10) / 10
        : 0,
      groups,
    };
  }
}

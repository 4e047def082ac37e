import { execFile } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { epochNow } from '../http-client.ts';

/** The parts the suite kills: the infrastructure and the two services. */
export const PARTS = ['kafka', 'ferretdb', 'postgres', 'redis', 'residents', 'jobs'] as const;
export type Part = (typeof PARTS)[number];
export const SERVICES = ['residents', 'jobs'] as const;
export type Service = (typeof SERVICES)[number];

/** Where the platform of this run lives (scripts/chaos passes it from scripts/lib). */
export interface PlatformLayout {
  root: string;
  stateDir: string;
  pgData: string;
  ports: Record<Service, number>;
  replicaStep: number;
  /** Where the output of the scripts goes. */
  logFile: string;
}

/** What runs of the platform: a pid per part and per replica (postgres: the postmaster). */
export type ProcessMap = Record<string, number | null>;

/**
 * The platform, driven from the outside the way an operator drives it: scripts/start (which
 * brings back only what is missing), scripts/status, scripts/stop, and SIGKILL of a part's
 * processes found through the pid files the scripts keep.
 */
export class Platform {
  readonly layout: PlatformLayout;
  replicas = 1;

  constructor(layout: PlatformLayout) {
    this.layout = layout;
  }

  /** Ports of a service's replicas, replica 1 first. */
  ports(service: Service): number[] {
    return Array.from(
      { length: this.replicas },
      (_, k) => this.layout.ports[service] + this.layout.replicaStep * k,
    );
  }

  /** replica_id of scripts/lib/platform.sh: residents, residents-2, … */
  static replicaId(service: Service, replica: number): string {
    return replica === 1 ? service : `${service}-${replica}`;
  }

  async start(replicas: number): Promise<{ seconds: number }> {
    this.replicas = replicas;
    const started = epochNow();
    const { code, output } = await this.script('start', ['--replicas', String(replicas)], 300_000);
    if (code !== 0) throw new Error(`scripts/start failed (exit ${code}):\n${output.slice(-3000)}`);
    return { seconds: (epochNow() - started) / 1000 };
  }

  /** scripts/status: its exit code and the state word of each line (kafka → down, jobs-2 → ready). */
  async status(): Promise<{ code: number; states: Record<string, string>; output: string }> {
    const { code, output } = await this.script('status', [], 30_000);
    const states: Record<string, string> = {};
    for (const line of output.split('\n')) {
      const [name, state] = line.trim().split(/\s+/);
      if (name && state && !name.startsWith('=')) states[name] = state;
    }
    return { code, states, output };
  }

  async stop(): Promise<void> {
    await this.script('stop', [], 120_000);
  }

  /** The pid of every part and replica now (null: none alive). */
  processes(): ProcessMap {
    const map: ProcessMap = {};
    for (const part of ['redis', 'ferretdb', 'kafka', 'issuer']) map[part] = this.pidFile(part);
    map.postgres = this.postmaster();
    for (const service of SERVICES) {
      for (let k = 1; k <= this.replicas; k++) {
        const id = Platform.replicaId(service, k);
        map[id] = this.pidFile(id);
      }
    }
    return map;
  }

  /**
   * Kills with SIGKILL, at once, every process of a part (a service: the replicas named, else all
   * of them; PostgreSQL: the postmaster and its backends), then waits until they are gone.
   * Returns the ids killed (as scripts/status names them).
   */
  async kill(part: Part, replicas?: number[]): Promise<string[]> {
    const targets: Array<{ id: string; pids: number[] }> = [];
    if (part === 'residents' || part === 'jobs') {
      for (const k of replicas ?? Array.from({ length: this.replicas }, (_, i) => i + 1)) {
        const id = Platform.replicaId(part, k);
        const pid = this.pidFile(id);
        if (pid) targets.push({ id, pids: [pid] });
      }
    } else if (part === 'postgres') {
      const pid = this.postmaster();
      if (pid) targets.push({ id: 'postgres', pids: [pid, ...childrenOf(pid)] });
    } else {
      const pid = this.pidFile(part);
      if (pid) targets.push({ id: part, pids: [pid] });
    }
    if (targets.length === 0) throw new Error(`no live process of ${part} to kill`);
    const pids = targets.flatMap((t) => t.pids);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    const deadline = Date.now() + 10_000;
    while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return targets.map((t) => t.id);
  }

  private pidFile(id: string): number | null {
    const file = join(this.layout.stateDir, 'pids', `${id}.pid`);
    if (!existsSync(file)) return null;
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : null;
  }

  private postmaster(): number | null {
    const file = join(this.layout.pgData, 'postmaster.pid');
    if (!existsSync(file)) return null;
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : null;
  }

  private script(name: string, args: string[], timeoutMs: number): Promise<{ code: number; output: string }> {
    return new Promise((resolve) => {
      execFile(
        join(this.layout.root, 'scripts', name),
        args,
        { env: process.env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) => {
          // biome-ignore lint/suspicious/noControlCharactersInRegex: the scripts colour their log lines
          const output = `${stdout}${stderr}`.replace(/\x1b\[[0-9;]*m/g, '');
          appendFileSync(
            this.layout.logFile,
            `\n--- ${new Date().toISOString()} scripts/${name} ${args.join(' ')}\n${output}`,
          );
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolve({ code, output });
        },
      );
    });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The live children of a process (PostgreSQL's backends of its postmaster), from /proc. */
function childrenOf(parent: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (ppid) follows the command name in parentheses, which may itself hold spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) children.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return children;
}

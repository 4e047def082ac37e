import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventually } from './wait.ts';

/** The repository's root (packages/testing/src → ../../..). */
export const repositoryRoot = join(__dirname, '..', '..', '..');

/** A service as its own process, the way scripts/start and Kubernetes run it. */
export class ServiceProcess {
  readonly url: string;
  readonly output: string[] = [];
  private readonly child: ChildProcess;

  constructor(service: string, env: Record<string, string>, port: number) {
    this.url = `http://127.0.0.1:${port}`;
    this.child = spawn(process.execPath, [`services/${service}/src/main.ts`], {
      cwd: repositoryRoot,
      env: {
        ...process.env,
        ...env,
        SERVICE_NAME: service,
        HTTP_PORT: String(port),
        // The output is captured, not printed: keep the logs, tests read them.
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d) => this.output.push(d.toString()));
    this.child.stderr?.on('data', (d) => this.output.push(d.toString()));
  }

  /** Resolves once /readyz answers 200; fails at once if the process exits first. */
  async ready(timeoutMs = 60_000): Promise<void> {
    const state = await eventually(
      async () => {
        // An exit is final: answered outside the probe, which `eventually` would retry until the timeout.
        if (this.child.exitCode !== null) return 'exited';
        return (await fetch(`${this.url}/readyz`)).status === 200 ? 'ready' : undefined;
      },
      { timeoutMs, what: `${this.url} to be ready` },
    );
    if (state === 'exited')
      throw new Error(`exited ${this.child.exitCode}: ${this.output.join('').slice(-2000)}`);
  }

  /** Resolves as soon as the process has written `text` (to stdout or stderr). */
  untilOutput(text: string, timeoutMs = 60_000): Promise<void> {
    if (this.output.join('').includes(text)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(`no "${text}" in the output after ${timeoutMs} ms: ${this.output.join('').slice(-2000)}`),
        );
      }, timeoutMs);
      const check = () => {
        if (this.output.join('').includes(text)) {
          done();
          resolve();
        }
      };
      const done = () => {
        clearTimeout(timer);
        this.child.stdout?.off('data', check);
        this.child.stderr?.off('data', check);
      };
      // Listeners run in order: the output is recorded by the constructor's listener first.
      this.child.stdout?.on('data', check);
      this.child.stderr?.on('data', check);
    });
  }

  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return Promise.resolve(this.child.exitCode);
    return new Promise((resolve) => {
      this.child.once('exit', (code) => resolve(code));
      this.child.kill('SIGTERM');
    });
  }
}

/** A free-enough port for a test process (a random one in 18000-19999). */
export const testPort = (): number => 18_000 + Math.floor(Math.random() * 2000);

/** Starts or stops one part of the test infrastructure (e.g. Kafka for an outage test). */
export async function testInfraPart(
  action: 'start' | 'stop',
  part: 'kafka' | 'redis' | 'ferretdb',
): Promise<void> {
  await promisify(execFile)(join(repositoryRoot, 'scripts', 'infra-ctl'), [action, part], {
    env: { ...process.env, INFRA_PROFILE: 'test' },
    timeout: 90_000,
  });
}

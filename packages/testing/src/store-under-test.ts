import { type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { TcpProxy } from './tcp-proxy.ts';
import { eventually } from './wait.ts';

/**
 * A FerretDB of the test's own on the test stack's PostgreSQL, with a proxy on each side: clients
 * reach FerretDB through `ferretdb`, FerretDB reaches PostgreSQL through `postgres`. Taking either
 * proxy down is the outage of that part (the shared stack and other tests are untouched), and
 * `ferretdb.cutAt` cuts one chosen command mid-write. Its databases live in the shared
 * PostgreSQL, so the shared FerretDB (testInfra.mongodbUrl) reads them too.
 */
export class StoreUnderTest {
  /** The MongoDB URL to give the code under test. */
  readonly url: string;
  readonly ferretdb: TcpProxy;
  readonly postgres: TcpProxy;
  private readonly process: ChildProcess;
  private readonly output: () => string;

  private constructor(ferretdb: TcpProxy, postgres: TcpProxy, child: ChildProcess, output: () => string) {
    this.ferretdb = ferretdb;
    this.postgres = postgres;
    this.process = child;
    this.output = output;
    this.url = `mongodb://127.0.0.1:${ferretdb.port}`;
  }

  static async start(): Promise<StoreUnderTest> {
    const pgPort = Number(process.env.TEST_PG_PORT ?? 25442);
    const postgres = await TcpProxy.start({ targetPort: pgPort });
    const port = await freePort();
    const cache = process.env.EMPLOYMENT_CACHE ?? join(homedir(), '.cache', 'employment-platform');
    // A pool well above the connections one test service opens (see scripts/lib/infra.sh).
    const child = spawn(
      join(cache, 'ferretdb-v1.24.2', 'ferretdb'),
      [
        '-listen',
        `127.0.0.1:${port}`,
        '-postgresql-url',
        `postgres://postgres@127.0.0.1:${postgres.port}/ferretdb?pool_max_conns=40`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', (code, signal) => keep(Buffer.from(`\n[exited: code ${code}, signal ${signal}]\n`)));
    try {
      await eventually(() => child.exitCode === null && canConnect(port), {
        what: 'a private FerretDB',
        timeoutMs: 30_000,
      });
    } catch (err) {
      child.kill('SIGKILL');
      await postgres.close();
      throw new Error(`${(err as Error).message}; FerretDB printed: ${output || 'nothing'}`);
    }
    const ferretdb = await TcpProxy.start({ targetPort: port, wire: 'mongodb' });
    return new StoreUnderTest(ferretdb, postgres, child, () => output);
  }

  /** What the private FerretDB printed last (for a failing test's message). */
  get log(): string {
    return this.output();
  }

  async stop(): Promise<void> {
    await this.ferretdb.close();
    if (this.process.exitCode === null) {
      const exited = new Promise((resolve) => this.process.once('exit', resolve));
      this.process.kill('SIGTERM');
      await exited;
    }
    await this.postgres.close();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

import type { Logger } from '@employment/core';

export type HealthCheck = () => Promise<void>;

/**
 * Readiness from dependency checks run in the background every few seconds, so /readyz answers
 * at once and a slow dependency never stalls the probe. Not ready until every check has passed
 * once, and never again after shutdown began.
 */
export class HealthMonitor {
  private readonly checks: Record<string, HealthCheck>;
  private readonly state: Record<string, string> = {};
  private timer: NodeJS.Timeout | undefined;
  private shuttingDown = false;
  private readonly logger: Logger;
  private readonly intervalMs: number;

  constructor(checks: Record<string, HealthCheck>, logger: Logger, intervalMs = 2_000) {
    this.checks = checks;
    this.logger = logger;
    this.intervalMs = intervalMs;
    for (const name of Object.keys(checks)) this.state[name] = 'pending';
  }

  async start(): Promise<void> {
    await this.runAll();
    this.timer = setInterval(() => void this.runAll(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  beginShutdown(): void {
    this.shuttingDown = true;
  }

  status(): { ready: boolean; checks: Record<string, string> } {
    const checks = { ...this.state, ...(this.shuttingDown ? { shutdown: 'in progress' } : {}) };
    return { ready: !this.shuttingDown && Object.values(this.state).every((s) => s === 'ok'), checks };
  }

  private async runAll(): Promise<void> {
    await Promise.all(
      Object.entries(this.checks).map(async ([name, check]) => {
        const before = this.state[name];
        try {
          await Promise.race([
            check(),
            new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), 1_500).unref()),
          ]);
          this.state[name] = 'ok';
        } catch (err) {
          this.state[name] = `failing: ${(err as Error).message}`;
        }
        if (before !== this.state[name] && before !== 'pending') {
          this.logger.warn({ check: name, from: before, to: this.state[name] }, 'readiness changed');
        }
      }),
    );
  }
}

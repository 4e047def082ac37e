import { writeFileSync } from 'node:fs';
import { ApiPlatform, kitHasClientQuotas } from '@employment/testing';
import { Attacker, type Finding } from './attacker.ts';
import {
  bodies,
  coverage,
  crossDistrict,
  cursors,
  hostileText,
  methods,
  paths,
  rateLimits,
  restarts,
  tokens,
  writable,
} from './attacks.ts';

// Every operation of every service (services/*/, each with its seed module), attacked over HTTP
// as an outsider and as another district would. README.md beside this file says what each family
// sends and what fails it; ADVERSARIAL_REPORT=<file> also writes the findings there as JSON.

const MAX_PRINTED = 40;

function format(findings: Finding[]): string {
  const lines = [`${findings.length} finding(s):`];
  for (const f of findings.slice(0, MAX_PRINTED)) {
    lines.push(
      `- [${f.rule}] ${f.operation}`,
      `    ${f.detail.replace(/\n/g, '\n    ')}`,
      `    request:  ${f.request}`,
      `    response: ${f.response}`,
    );
  }
  if (findings.length > MAX_PRINTED) lines.push(`… and ${findings.length - MAX_PRINTED} more`);
  return lines.join('\n');
}

describe('adversarial suite: every operation of every service, attacked over HTTP', () => {
  let platform: ApiPlatform;
  let attacker: Attacker;
  const started = Date.now();
  const phases: string[] = [];
  const timed = async (name: string, work: () => Promise<void> | void) => {
    const t0 = Date.now();
    await work();
    phases.push(`${name} ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  };

  beforeAll(async () => {
    await timed('start', async () => {
      platform = await ApiPlatform.start();
    });
    await timed('seed', () => platform.seed());
    attacker = new Attacker(platform);
  }, 240_000);

  afterAll(async () => {
    if (attacker) {
      const counts = [...platform.client.counts.entries()].map(([kind, n]) => `${kind} ${n}`).join(', ');
      const byRule = new Map<string, number>();
      for (const f of attacker.findings)
        byRule.set(`${f.family}/${f.rule}`, (byRule.get(`${f.family}/${f.rule}`) ?? 0) + 1);
      process.stdout.write(
        [
          '',
          `adversarial suite: ${platform.client.total} requests to ${platform.operations.length} operations of ${platform.services.length} services in ${((Date.now() - started) / 1000).toFixed(1)}s`,
          `  by kind: ${counts}`,
          `  phases: ${phases.join(', ')}`,
          `  findings: ${attacker.findings.length}${byRule.size ? ` (${[...byRule].map(([k, n]) => `${k} ${n}`).join(', ')})` : ''}`,
          ...attacker.notes.map((n) => `  note: ${n}`),
          '',
        ].join('\n'),
      );
      if (process.env.ADVERSARIAL_REPORT)
        writeFileSync(
          process.env.ADVERSARIAL_REPORT,
          JSON.stringify(
            { findings: attacker.findings, notes: attacker.notes, trace: attacker.trace },
            null,
            2,
          ),
        );
    }
    await platform?.stop();
  });

  const verdict = (family: string) => {
    const found = attacker.findings.filter((f) => f.family === family);
    if (found.length > 0) throw new Error(format(found));
  };

  it('when the seeds are read, then every operation’s path parameters name a seeded record (else it is not covered)', () => {
    coverage(attacker);
    verdict('coverage');
  });

  it('when district B reads, lists, changes and references district A’s records, then nothing of A’s is shown or changed and no answer tells A’s records from absent ones', async () => {
    await timed('cross-district', () => crossDistrict(attacker));
    verdict('cross-district');
  }, 300_000);

  it('when a string field holds control characters, lone surrogates, bidirectional overrides or 100,000 characters, then the service refuses it with a 4xx', async () => {
    await timed('hostile-text', () => hostileText(attacker));
    verdict('hostile-text');
  }, 300_000);

  it('when a body is 10,000 levels deep, 1 MiB in a field, 2,000 properties wide or past the size limit, then the answer is a documented 4xx', async () => {
    await timed('bodies', () => bodies(attacker));
    verdict('bodies');
  }, 300_000);

  it('when a list gets a cursor it never issued, then the answer is a documented 4xx', async () => {
    await timed('cursors', () => cursors(attacker));
    verdict('cursors');
  }, 300_000);

  it('when a path parameter is badly encoded, traverses, is very long or holds a national ID number, then the answer is a documented 4xx that does not echo it', async () => {
    await timed('paths', () => paths(attacker));
    verdict('paths');
  }, 300_000);

  it('when a path gets a method it does not document, then the answer is a 405 with Allow', async () => {
    await timed('methods', () => methods(attacker));
    verdict('methods');
  }, 300_000);

  it('when a request carries no token or a malformed, expired, unsigned, ever-lasting or foreign one, then it is refused with 401', async () => {
    await timed('tokens', () => tokens(attacker));
    verdict('tokens');
  }, 300_000);

  // Only where the kit takes per-client quotas: else the suites' own clients could not be kept
  // under theirs while a flood is cut (the test shows as skipped).
  (kitHasClientQuotas() ? it : it.skip)(
    'when a client without a quota of its own floods a service, then it is cut with 429 and Retry-After',
    async () => {
      await timed('rate-limits', () => rateLimits(attacker));
      verdict('rate-limits');
    },
    300_000,
  );

  it('when the attacks are over, then district A can still change each of its records', async () => {
    await timed('writable', () => writable(attacker));
    verdict('writable');
  }, 300_000);

  it('when the attacks are over, then every service starts again', async () => {
    await timed('restart', () => restarts(attacker));
    verdict('restart');
  }, 300_000);
});

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CallerView } from './accounting.ts';
import type { RoundResult, RunResult } from './run.ts';

const seconds = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`);

/** "201×812 200×95 503×31 (31 with Retry-After) …", errors last. */
export function statusesSeen(view: CallerView): string {
  const order = (label: string) => (/^2/.test(label) ? 0 : /^409 dup/.test(label) ? 1 : 2);
  return Object.entries(view.answers)
    .sort(([a, x], [b, y]) => order(a) - order(b) || y - x)
    .map(([label, n]) => {
      const r = view.retryAfter[label];
      const note =
        r && label !== 'timeout' && label !== 'connection'
          ? ` (Retry-After ${r.with}/${r.with + r.without})`
          : '';
      return `${label}×${n}${note}`;
    })
    .join(', ');
}

function roundRow(r: RoundResult): string {
  const a = r.account;
  return `| ${r.index} | ${r.killed.join(', ')} | ${r.replicas} | ${a.acknowledged}${a.acknowledgedAsDuplicate ? ` (+${a.acknowledgedAsDuplicate} dup)` : ''} | ${a.stored} | ${a.published} | ${a.candidates} / ${a.counted} | ${a.duplicates.total}${a.phantoms.total ? ` (+${a.phantoms.total} phantom)` : ''} | ${a.lost.total} | ${statusesSeen(r.caller)} | ${seconds(r.caller.firstErrorMs)} | ${seconds(r.caller.recoveredAfterRestartMs)} | ${r.failures.length === 0 ? 'pass' : '**FAIL**'} |`;
}

export function markdown(run: RunResult): string {
  const lines = [
    `# Fault injection ${run.runId}`,
    '',
    `${run.startedAt} → ${run.finishedAt}: **${run.seconds.toFixed(0)} s** (platform start ${run.platformStartSeconds.toFixed(0)} s), seed ${run.seed}, ${run.rounds.length} rounds: **${run.passed ? 'passed' : 'FAILED'}**`,
    '',
    'Per round: people acknowledged with a 2xx (and those answered "already registered" with their id on a retry), people stored, stored people whose ResidentRegistered is on the topic, read-model rows (jobs candidates / community counters), doubled effects (stored twice, a second event id, a counter above the stored people; phantoms: an event or a candidate of a person not stored), lost effects, every answer seen (with how many error answers carried Retry-After), the first error after the kill, and the first success after the last error counted from the restart.',
    '',
    '| round | killed | replicas | acknowledged | stored | published | candidates / counted | doubled | lost | answers seen | first error | recovered | verdict |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...run.rounds.map(roundRow),
    '',
  ];
  for (const r of run.rounds) lines.push(...roundDetail(r));
  if (run.notes.length > 0) lines.push('## Notes', '', ...run.notes.map((n) => `- ${n}`), '');
  return lines.join('\n');
}

function roundDetail(r: RoundResult): string[] {
  const a = r.account;
  const c = r.caller;
  const t = r.timeline;
  const at = (ms: number) => `${((ms - t.loadStartAt) / 1000).toFixed(1)} s`;
  const out = [
    `## Round ${r.index}: ${r.name} (${r.seconds.toFixed(0)} s)`,
    '',
    `Killed ${r.killed.join(', ')} at ${at(t.killAt)}, restart at ${at(t.restartAt)} (scripts/start ${r.restart.ok ? 'done' : 'failed'} in ${r.restart.seconds.toFixed(1)} s, brought back ${r.restart.restarted.join(', ') || 'nothing'}${r.restart.disturbed.length ? `, **restarted running parts: ${r.restart.disturbed.join(', ')}**` : ', left the rest alone'}); load stopped at ${at(t.loadEndAt)}; settled ${r.settle.settled ? 'in' : '**not** within'} ${r.settle.seconds.toFixed(0)} s. scripts/status after the kill: ${r.killed.map((id) => `${id} ${r.statusAfterKill[id] ?? '?'}`).join(', ')}.`,
    '',
    '| | |',
    '|---|---|',
    `| requests / people sent | ${r.requests} / ${a.sent} (${(a.sent / ((t.loadEndAt - t.loadStartAt) / 1000)).toFixed(1)} people/s) |`,
    `| requests retried / wait for the last answer p50, p99, max | ${r.waits.retried} / ${seconds(r.waits.p50)}, ${seconds(r.waits.p99)}, ${seconds(r.waits.max)} |`,
    `| acknowledged (2xx) | ${a.acknowledged} |`,
    `| answered "already registered" with its id | ${a.acknowledgedAsDuplicate} |`,
    `| never answered (retries gave up) / refused with a 4xx | ${a.unanswered} / ${a.rejected} |`,
    `| stored (records) / stored without a 2xx | ${a.stored} (${a.storedRecords}) / ${a.storedNotAcknowledged} |`,
    `| published (distinct event ids) / republished same id | ${a.published} (${a.events}) / ${a.republished} |`,
    `| jobs candidates / counters registered (expected) | ${a.candidates} / ${a.counted} (${a.expectedCount}) |`,
    `| doubled: stored, second event, counter above the stored people | ${a.duplicates.store}, ${a.duplicates.events}, ${a.duplicates.counters} |`,
    `| lost: acknowledged not stored, not published, no candidate, not counted | ${a.lost.notStored}, ${a.lost.notPublished}, ${a.lost.noCandidate}, ${a.lost.counters} |`,
    `| phantoms: events, candidates of people not stored | ${a.phantoms.events}, ${a.phantoms.candidates} |`,
    `| answers | ${statusesSeen(c)} |`,
    `| errors before the kill | ${c.errorsBeforeKill} |`,
    `| first error / last error / recovered, since the kill | ${seconds(c.firstErrorMs)} / ${seconds(c.lastErrorMs)} / ${seconds(c.recoveredMs)} |`,
    `| recovered since the restart began | ${seconds(c.recoveredAfterRestartMs)} |`,
    `| slowest answer | ${seconds(c.slowestMs)} |`,
    `| outbox left (residents / jobs) | ${r.outboxLeft.residents?.count ?? 0} / ${r.outboxLeft.jobs?.count ?? 0} |`,
    `| dead-lettered in the round | ${r.deadLettered.length} |`,
    `| consumer group members (min–max, last) | ${Object.entries(r.groups)
      .map(([g, m]) => `${g} ${m.min ?? '?'}–${m.max ?? '?'}, ${m.last ?? '?'}`)
      .join('; ')} |`,
    ...r.pools.map(
      (p) =>
        `| jobs :${p.port} pool vs store | ${p.considered} in the communities; the round's ${p.store} in the store: missing ${p.missing}, extra ${p.extra}${p.equal ? ' (equal)' : ''}${p.error ? `, ${p.error}` : ''} |`,
    ),
    '',
  ];
  if (r.failures.length > 0) out.push('**Failed:**', '', ...r.failures.map((f) => `- ${f}`), '');
  const examples = Object.entries(a.examples);
  if (examples.length > 0)
    out.push('Examples:', '', ...examples.map(([k, ids]) => `- ${k}: ${ids.join(', ')}`), '');
  if (r.deadLettered.length > 0)
    out.push(
      'Dead letters:',
      '',
      ...r.deadLettered
        .slice(0, 10)
        .map((d) => `- ${d.group} ${d.eventType.split('.').at(-1)} ${d.subject}: ${d.error}`),
      '',
    );
  for (const [db, left] of Object.entries(r.outboxLeft)) {
    if (left.count > 0)
      out.push(
        `Left in the ${db} outbox:`,
        '',
        ...left.oldest.map((o) => `- ${o.id}, ${o.ageSeconds} s old: ${o.events.join(', ')}`),
        '',
      );
  }
  return out;
}

export function writeReport(run: RunResult, dir: string): { markdown: string; json: string } {
  mkdirSync(dir, { recursive: true });
  const paths = { markdown: join(dir, 'report.md'), json: join(dir, 'report.json') };
  writeFileSync(paths.markdown, markdown(run));
  writeFileSync(paths.json, `${JSON.stringify(run, null, 2)}\n`);
  return paths;
}

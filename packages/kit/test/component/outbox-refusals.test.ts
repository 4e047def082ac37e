import { Writable } from 'node:stream';
import { AppError, createLogger } from '@employment/core';
import { KafkaProbe, mongoCommand, StoreUnderTest, sleep, uniqueName } from '@employment/testing';
import type { Producer } from 'kafkajs';
import { v7 as uuidv7 } from 'uuid';
import { kitProducer, noteCreated, noteEdited, noteIdOf, OutboxUnderTest } from './support.ts';

/** Every line a logger writes, parsed. */
function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger({ service: 'kit-test', level: 'info', destination }), lines };
}

/**
 * A change the store refuses (FerretDB's PostgreSQL cannot hold a string with U+0000) is ended: its
 * version claim is given back, its record becomes a dead letter with the error, the caller gets a
 * 422 problem, and no sweep tries it again, at start-up or later.
 */
describe('the outbox when the store refuses a change', () => {
  let store: StoreUnderTest;
  let producer: Producer;
  let probe: KafkaProbe;
  const topic = uniqueName('test.kit.refusals');
  const running: OutboxUnderTest[] = [];

  beforeAll(async () => {
    store = await StoreUnderTest.start();
    producer = await kitProducer();
    probe = await KafkaProbe.start([topic]);
  });

  afterAll(async () => {
    for (const kit of running) await kit.stop({ drop: true }).catch(() => undefined);
    await probe?.stop();
    await producer?.disconnect();
    await store?.stop();
  });

  const start = async (options: { database?: string; sweepGraceMs?: number } = {}) => {
    const captured = capturedLogger();
    const kit = await OutboxUnderTest.start({
      url: store.url,
      producer,
      logger: captured.logger,
      ...options,
    });
    running.push(kit);
    return { kit, lines: captured.lines };
  };
  const published = (key: string) => probe.records.filter((r) => r.topic === topic && r.key === key);
  const refusal = async (commit: Promise<unknown>): Promise<AppError> => {
    try {
      await commit;
    } catch (err) {
      return err as AppError;
    }
    throw new Error('the commit succeeded');
  };
  const deadLettered = async (kit: OutboxUnderTest) =>
    Number(
      (await kit.metrics.outboxDeadLettered.get()).values.find((v) => v.labels.reason === 'refused-by-store')
        ?.value ?? 0,
    );

  it('when an update is refused, then its claim is released, its record is a dead letter, the caller gets a 422, and the next write succeeds', async () => {
    const { kit, lines } = await start();
    const created = noteCreated(topic, 'before');
    const id = noteIdOf(created);
    await kit.outbox.commit([created]);

    const hostile = noteEdited(topic, id, 1, 'a\u0000b');
    const err = await refusal(kit.outbox.commit([hostile]));
    expect(err).toBeInstanceOf(AppError);
    expect(err.status).toBe(422);
    expect(err.problem).toBe('unprocessable');

    expect(await kit.collection('version_claims').countDocuments({ _id: `notes/${id}/1` } as never)).toBe(0);
    expect(await kit.collection('outbox').countDocuments({ _id: hostile.id } as never)).toBe(0);
    const letter = await kit.collection('outbox_dead_letters').findOne({ _id: hostile.id } as never);
    expect(letter).toMatchObject({ refusedMutation: 0, partial: false, error: { code: 1 } });
    expect(String(letter?.error.message)).toContain('SQLSTATE 22P05');
    expect(letter?.events).toHaveLength(1);
    expect(await deadLettered(kit)).toBe(1);
    expect(
      lines.filter((l) => l.message === 'the store refused a change; its events are dropped'),
    ).toHaveLength(1);

    // The record is still writable, at the version it had.
    expect(await kit.collection('notes').findOne({ _id: id } as never)).toMatchObject({
      text: 'before',
      version: 1,
    });
    const edit = noteEdited(topic, id, 1, 'after');
    expect(await kit.outbox.commit([edit])).toEqual([{ status: 'applied' }]);
    expect(await kit.collection('notes').findOne({ _id: id } as never)).toMatchObject({
      text: 'after',
      version: 2,
    });

    // Only the changes made were published, and no sweep fails on the refused one.
    await probe.waitFor((r) => r.key === id, 2);
    await sleep(3_000);
    expect(published(id)).toHaveLength(2);
    expect(lines.filter((l) => l.message === 'outbox sweep failed; will retry')).toHaveLength(0);
    expect(await kit.collection('outbox').countDocuments()).toBe(0);
  });

  it('when a refused change was left in the outbox by a process that stopped, then the next start ends it and starts', async () => {
    const database = uniqueName('kit_refusals');
    // The first process stores the change and claims the version, then loses the store before the
    // update: its record stays, claim held, as a crash would leave it.
    const first = await start({ database, sweepGraceMs: 600_000 });
    const created = noteCreated(topic, 'before');
    const id = noteIdOf(created);
    await first.kit.outbox.commit([created]);
    const hostile = noteEdited(topic, id, 1, 'a\u0000b');
    const cut = store.ferretdb.cutAt(mongoCommand('update', 'notes'), 'before-forwarding');
    await expect(first.kit.outbox.commit([hostile])).rejects.toThrow();
    await cut;
    expect(await first.kit.collection('outbox').countDocuments({ _id: hostile.id } as never)).toBe(1);
    expect(
      await first.kit.collection('version_claims').countDocuments({ _id: `notes/${id}/1` } as never),
    ).toBe(1);
    await first.kit.stop();
    running.splice(running.indexOf(first.kit), 1);

    // The next process replays it at start: the store refuses it again, and the process starts.
    const next = await start({ database });
    expect(await next.kit.collection('outbox').countDocuments()).toBe(0);
    expect(
      await next.kit.collection('version_claims').countDocuments({ _id: `notes/${id}/1` } as never),
    ).toBe(0);
    expect(
      await next.kit.collection('outbox_dead_letters').countDocuments({ _id: hostile.id } as never),
    ).toBe(1);
    const edit = noteEdited(topic, id, 1, 'after');
    expect(await next.kit.outbox.commit([edit])).toEqual([{ status: 'applied' }]);
  });

  it('when one change of a group is refused, then only its caller gets a 422; the others are stored and published', async () => {
    const { kit } = await start();
    const first = noteCreated(topic, 'first');
    const good = [noteCreated(topic, 'one'), noteCreated(topic, 'two')];
    const bad = noteCreated(topic, 'bad\u0000name');
    // Written as one group: all arrive while the first write is in flight.
    const firstDone = kit.outbox.commit([first]);
    const results = await Promise.allSettled([
      kit.outbox.commit([good[0]!]),
      kit.outbox.commit([bad]),
      kit.outbox.commit([good[1]!]),
    ]);
    await firstDone;
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ status: 422 });

    for (const change of good) {
      await probe.waitFor((r) => r.key === noteIdOf(change));
      expect(await kit.collection('notes').findOne({ _id: noteIdOf(change) } as never)).not.toBeNull();
    }
    expect(await kit.collection('notes').findOne({ _id: noteIdOf(bad) } as never)).toBeNull();
    expect(await kit.collection('outbox_dead_letters').countDocuments({ _id: bad.id } as never)).toBe(1);
    await sleep(1_500);
    expect(published(noteIdOf(bad))).toHaveLength(0);
    expect(await kit.collection('outbox').countDocuments()).toBe(0);
  });

  it('when a later mutation of a change is refused, then the change is a dead letter marked partial and its events are not published', async () => {
    const { kit } = await start();
    const change = noteCreated(topic, 'noted', [
      {
        op: 'insert',
        collection: 'note_log',
        document: { _id: uuidv7(), line: 'x\u0000y' } as { _id: string },
      },
    ]);
    const err = await refusal(kit.outbox.commit([change]));
    expect(err.status).toBe(422);
    expect(err.message).toMatch(/part of this change/);
    expect(await kit.collection('outbox_dead_letters').findOne({ _id: change.id } as never)).toMatchObject({
      refusedMutation: 1,
      partial: true,
    });
    await sleep(1_500);
    expect(published(noteIdOf(change))).toHaveLength(0);
  });
});

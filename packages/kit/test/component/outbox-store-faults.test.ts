import { KafkaProbe, mongoCommand, StoreUnderTest, sleep, uniqueName } from '@employment/testing';
import type { Producer } from 'kafkajs';
import { kitProducer, noteCreated, noteIdOf, OutboxUnderTest } from './support.ts';

/**
 * The outbox when the store's connection breaks in the middle of a commit: the caller is never
 * told a change was made that was not, nothing is published for a write not made, and a change
 * whose record was stored is applied and published later by the sweep, once.
 */
describe('the outbox when the store connection is cut during a commit', () => {
  let store: StoreUnderTest;
  let producer: Producer;
  let probe: KafkaProbe;
  let kit: OutboxUnderTest;
  const topic = uniqueName('test.kit.outbox');

  beforeAll(async () => {
    store = await StoreUnderTest.start();
    producer = await kitProducer();
    probe = await KafkaProbe.start([topic]);
    kit = await OutboxUnderTest.start({ url: store.url, producer });
  });

  afterAll(async () => {
    await kit?.stop({ drop: true });
    await probe?.stop();
    await producer?.disconnect();
    await store?.stop();
  });

  const published = (key: string) => probe.records.filter((r) => r.topic === topic && r.key === key);
  const note = (id: string) => kit.collection('notes').findOne({ _id: id } as never);

  it('when the guard insert never reaches the store, then the commit rejects, nothing is published, and the sweep applies and publishes it once', async () => {
    const change = noteCreated(topic);
    const id = noteIdOf(change);
    const cut = store.ferretdb.cutAt(mongoCommand('insert', 'notes', id), 'before-forwarding');

    await expect(kit.outbox.commit([change])).rejects.toThrow();
    await cut;
    // Not stored, so not published: the record waits in the outbox for the sweep.
    expect(await note(id)).toBeNull();
    await sleep(300);
    expect(published(id)).toHaveLength(0);
    expect(await kit.collection('outbox').countDocuments({ _id: change.id } as never)).toBe(1);

    await probe.waitFor((r) => r.key === id, 1, 15_000);
    expect(await note(id)).toMatchObject({ text: 'a note' });
    await sleep(1_000);
    expect(published(id)).toHaveLength(1);
    expect(await kit.collection('outbox').countDocuments({ _id: change.id } as never)).toBe(0);
  });

  it('when the guard insert lands but its answer is lost, then the commit rejects, and the sweep publishes the change once', async () => {
    const change = noteCreated(topic);
    const id = noteIdOf(change);
    const cut = store.ferretdb.cutAt(mongoCommand('insert', 'notes', id), 'after-reply');

    await expect(kit.outbox.commit([change])).rejects.toThrow();
    await cut;
    expect(await note(id)).not.toBeNull();
    await sleep(300);
    expect(published(id)).toHaveLength(0);

    await probe.waitFor((r) => r.key === id, 1, 15_000);
    await sleep(1_000);
    expect(published(id)).toHaveLength(1);
    expect(await kit.collection('outbox').countDocuments({ _id: change.id } as never)).toBe(0);
  });

  it('when the outbox record itself never reaches the store, then the commit rejects and the change never happens', async () => {
    const change = noteCreated(topic);
    const id = noteIdOf(change);
    const cut = store.ferretdb.cutAt(mongoCommand('insert', 'outbox', change.id), 'before-forwarding');

    await expect(kit.outbox.commit([change])).rejects.toThrow();
    await cut;
    // Past the sweep's grace and several sweeps: still nothing.
    await sleep(3_500);
    expect(await note(id)).toBeNull();
    expect(published(id)).toHaveLength(0);
    expect(await kit.collection('outbox').countDocuments({ _id: change.id } as never)).toBe(0);
  });

  it('when one commit of a group is cut, then every waiter of that group is refused and the sweep applies them all once', async () => {
    const changes = [noteCreated(topic), noteCreated(topic), noteCreated(topic)];
    const ids = changes.map(noteIdOf);
    // The three commits arrive while a first write is in flight, so they are written as one group.
    const first = noteCreated(topic);
    const cut = store.ferretdb.cutAt(mongoCommand('insert', 'notes', ids[1]), 'before-forwarding');
    const firstDone = kit.outbox.commit([first]);
    const results = await Promise.allSettled(changes.map((c) => kit.outbox.commit([c])));
    await cut;
    await firstDone;
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);

    for (const id of ids) await probe.waitFor((r) => r.key === id, 1, 15_000);
    await sleep(1_000);
    for (const id of ids) {
      expect(published(id)).toHaveLength(1);
      expect(await note(id)).not.toBeNull();
    }
  });
});

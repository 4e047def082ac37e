import {
  type Attempt,
  accountRound,
  callerView,
  classify,
  retryWaitMs,
  type SentPerson,
  type StoredResident,
} from '../../src/faults/accounting.ts';

const person = (n: number, answer: SentPerson['answer'], answeredId?: string): SentPerson => ({
  match: `p${n}`,
  communityCode: '420102001001',
  request: `r1-c1-${n}`,
  answer,
  ...(answeredId ? { answeredId } : {}),
});
const stored = (n: number, id = `id${n}`): StoredResident => ({
  id,
  match: `p${n}`,
  communityCode: '420102001001',
});
const event = (residentId: string, eventId: string, position: string) => ({ residentId, eventId, position });

describe('the fault suite’s accounting', () => {
  it('when every acknowledged person is stored, published once and reflected once, then nothing is lost or doubled', () => {
    const account = accountRound({
      sent: [person(1, 'created', 'id1'), person(2, 'created', 'id2')],
      stored: [stored(1), stored(2)],
      published: [event('id1', 'e1', '0:1'), event('id2', 'e2', '1:1')],
      candidateIds: new Set(['id1', 'id2']),
      counters: [{ area: '420102001', before: 5, after: 7 }],
    });
    expect(account).toMatchObject({
      acknowledged: 2,
      stored: 2,
      published: 2,
      candidates: 2,
      counted: 2,
      expectedCount: 2,
      duplicates: { total: 0 },
      lost: { total: 0 },
      phantoms: { total: 0 },
    });
  });

  it('when an acknowledged person is not stored but published and a candidate, then it is lost and its effects are phantoms', () => {
    const account = accountRound({
      sent: [person(1, 'created', 'id1'), person(2, 'created', 'id2')],
      stored: [stored(2)],
      published: [event('id1', 'e1', '0:1'), event('id2', 'e2', '0:2')],
      candidateIds: new Set(['id1', 'id2']),
      counters: [{ area: '420102001', before: 0, after: 2 }],
    });
    expect(account.lost).toEqual({ notStored: 1, notPublished: 0, noCandidate: 0, counters: 0, total: 1 });
    expect(account.phantoms).toEqual({ events: 1, candidates: 1, total: 2 });
    // The counter counted the person who does not exist.
    expect(account.duplicates.counters).toBe(1);
    expect(account.examples['published-not-stored']).toEqual(['id1']);
  });

  it('when a stored person has no event, no candidate and no count, then each read model counts as lost', () => {
    const account = accountRound({
      sent: [person(1, 'created', 'id1')],
      stored: [stored(1)],
      published: [],
      candidateIds: new Set(),
      counters: [{ area: '420102001', before: 3, after: 3 }],
    });
    expect(account.lost).toEqual({ notStored: 0, notPublished: 1, noCandidate: 1, counters: 1, total: 3 });
  });

  it('when an event id is read twice, then it is a republication the consumers absorb; a second event id is a doubled effect', () => {
    const account = accountRound({
      sent: [person(1, 'created', 'id1'), person(2, 'created', 'id2')],
      stored: [stored(1), stored(2)],
      published: [
        event('id1', 'e1', '0:1'),
        event('id1', 'e1', '0:7'),
        event('id2', 'e2', '1:1'),
        event('id2', 'e3', '1:2'),
      ],
      candidateIds: new Set(['id1', 'id2']),
      counters: [],
    });
    expect(account.republished).toBe(1);
    expect(account.duplicates.events).toBe(1);
    expect(account.events).toBe(3);
  });

  it('when a person is stored twice, or the answer named another id than the stored one, then both are found', () => {
    const account = accountRound({
      sent: [person(1, 'created', 'idX'), person(2, 'duplicate', 'id2')],
      stored: [stored(1, 'id1'), stored(1, 'id1b'), stored(2)],
      published: [event('id1', 'e1', '0:1'), event('id2', 'e2', '0:2')],
      candidateIds: new Set(['id1', 'id2']),
      counters: [],
    });
    expect(account.duplicates.store).toBe(1);
    expect(account.idMismatches).toBe(1);
    expect(account.acknowledgedAsDuplicate).toBe(1);
  });

  it('when a request was never answered but its person was stored, then the person is checked like the others', () => {
    const account = accountRound({
      sent: [person(1, 'unanswered')],
      stored: [stored(1)],
      published: [],
      candidateIds: new Set(['id1']),
      counters: [],
    });
    expect(account).toMatchObject({ unanswered: 1, storedNotAcknowledged: 1, lost: { notPublished: 1 } });
  });
});

describe('the fault suite’s view of an outage', () => {
  const attempt = (
    answeredAt: number,
    status: number,
    kind: Attempt['kind'],
    retryAfter?: string,
  ): Attempt => ({
    round: 1,
    client: 'c',
    request: `r${answeredAt}`,
    key: `k${answeredAt}`,
    attempt: 1,
    op: 'single',
    people: 1,
    port: 8081,
    sentAt: answeredAt - 50,
    answeredAt,
    status,
    kind,
    ...(retryAfter ? { retryAfter } : {}),
  });
  const timeline = {
    loadStartAt: 0,
    killAt: 5_000,
    restartAt: 15_000,
    restartDoneAt: 17_000,
    loadEndAt: 30_000,
  };

  it('when errors come after the kill and successes after the restart, then it says when the errors began and when callers recovered', () => {
    const view = callerView(
      [
        attempt(4_000, 201, 'created'),
        attempt(5_300, 503, 'unavailable', '5'),
        attempt(9_000, 500, 'server-error'),
        attempt(16_000, 503, 'unavailable'),
        attempt(18_000, 201, 'created'),
        attempt(19_000, 201, 'created'),
      ],
      timeline,
    );
    expect(view).toMatchObject({
      firstErrorMs: 300,
      lastErrorMs: 11_000,
      recoveredMs: 13_000,
      recoveredAfterRestartMs: 3_000,
      serverErrors: 1,
      errorsBeforeKill: 0,
      answers: { '201': 3, '503': 2, '500': 1 },
      retryAfter: { '503': { with: 1, without: 1 }, '500': { with: 0, without: 1 } },
    });
  });

  it('when no error came, then there is no first error and nothing to recover from', () => {
    const view = callerView([attempt(6_000, 201, 'created')], timeline);
    expect(view).toMatchObject({ firstErrorMs: null, recoveredMs: null, serverErrors: 0 });
  });

  it('when an answer says try again, then the client waits as long as Retry-After says, else backs off; other answers are final', () => {
    expect(
      classify({ status: 409, body: '{"type":"urn:employment:problem:idempotency-request-in-progress"}' })
        .kind,
    ).toBe('in-progress');
    expect(classify({ status: 409, body: '{"type":"urn:employment:problem:duplicate"}' }).kind).toBe(
      'duplicate',
    );
    expect(classify({ status: 0, body: '', error: 'timeout' }).kind).toBe('timeout');
    expect(retryWaitMs('unavailable', '5', 1)).toBe(5_000);
    expect(retryWaitMs('in-progress', '1', 3)).toBe(1_000);
    expect(retryWaitMs('connection', undefined, 1)).toBe(250);
    expect(retryWaitMs('connection', undefined, 10)).toBe(5_000);
    expect(retryWaitMs('duplicate', undefined, 1)).toBeUndefined();
    expect(retryWaitMs('rejected', '5', 1)).toBeUndefined();
  });
});

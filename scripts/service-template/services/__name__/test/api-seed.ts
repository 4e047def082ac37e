import type { ApiSeed } from '@employment/testing';
import { ROLES } from '../src/config.ts';

// The __name__ records of a district for the adversarial suite and the fuzz run (test/adversarial,
// test/fuzz): applications of the people the residents seed registered, once this service's
// consumer has fed them into its people read model. Name every kind of record a path, query or
// body parameter carries, or the suites report its operations as not covered.

export const seed: ApiSeed = {
  roles: [ROLES.read, ROLES.write],
  after: ['residents'],
  environment: (run) => ({
    EVENTS_TOPIC: `test.__name__.${run}`,
    // The residents service of the same run publishes here: the people read model is built from it.
    RESIDENTS_EVENTS_TOPIC: `test.residents.${run}`,
    PEOPLE_CONSUMER_GROUP: `__name__-people-${run}`,
  }),
  kinds: { applicationId: 'area' },
  aliases: { personId: 'residentId', subjectId: 'applicationId', area: 'areaCode' },
  examples: {
    fileApplication: (x) => ({ body: { personId: x.records('residentId').at(-1)!, note: '希望就近就业' } }),
  },
  async seed(ctx) {
    const residents = ctx.pool.of('residentId', ctx.district.code).map((r) => r.value);
    if (residents.length === 0) throw new Error('the __name__ seed needs the residents seed’s people');
    let filed = 0;
    for (const personId of residents) {
      // 404 until the consumer has the person; then 201, or 422 when a rule refuses them.
      const res = await ctx.eventually(async () => {
        const answer = await ctx.call('POST', '/v1/applications', { body: { personId }, expect: 'any' });
        return answer.status === 404 ? undefined : answer;
      }, `person ${personId} in __name__`);
      if (res.status === 201) {
        ctx.add('applicationId', (res.body as { id: string }).id);
        if (++filed === 2) break;
      }
    }
    if (filed === 0) throw new Error('no resident of the residents seed may apply to __name__');
  },
  touch: {
    // The sample has no change after filing; give each aggregate's ordinary change here.
    applicationId: async () => 'final',
  },
};

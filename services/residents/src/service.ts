import { compileComponentSchema, PiiProtector, type ServiceDefinition } from '@employment/kit';
import type { ResidentsConfig } from './config.ts';
import { registerModels } from './data-access/models.ts';
import { ResidentsRepository } from './data-access/residents-repository.ts';
import { RESIDENTS_TOPIC } from './domain/events.ts';
import { Registry } from './domain/registry.ts';
import { residentsRoutes } from './entry-points/http/routes.ts';
import { communityStatsConsumer } from './entry-points/messaging/community-stats.ts';
import { openapi } from './openapi.ts';

/** The residents service, assembled on the kit. */
export function residentsService(config: ResidentsConfig): ServiceDefinition<ResidentsConfig> {
  const pii = new PiiProtector({
    encryptionKeyBase64: config.PII_ENCRYPTION_KEY,
    hashKeyBase64: config.PII_HASH_KEY,
  });
  const checkRowSchema = compileComponentSchema(openapi, 'ResidentRegistration');
  return {
    config,
    openapi,
    topics: [{ topic: RESIDENTS_TOPIC }],
    models: registerModels,
    routes: (router, runtime) => {
      const repository = new ResidentsRepository(runtime.store);
      const registry = new Registry({
        repository,
        pii,
        change: (mutations, events) => runtime.change(mutations, events),
        commit: (changes) => runtime.outbox.commit(changes),
        checkRowSchema,
      });
      residentsRoutes(router, { registry, repository });
    },
    consumers: (runtime) => [communityStatsConsumer(runtime.store)],
  };
}

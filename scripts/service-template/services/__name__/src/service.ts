import { bindAuditLog } from '@employment/http';
import type { ServiceDefinition } from '@employment/kit';
import { PeopleProjection } from '@employment/projections';
import { applicationRoutes } from './applications/routes.ts';
import { ApplicationStore } from './applications/store.ts';
import type { __Pascal__Config } from './config.ts';
import { auditLog, openapi } from './openapi.ts';

/** The __name__ service, assembled on the kit. */
export function __camel__Service(config: __Pascal__Config): ServiceDefinition<__Pascal__Config> {
  return {
    config,
    openapi,
    topics: [{ topic: config.EVENTS_TOPIC }],
    models: (connection) => {
      ApplicationStore.register(connection);
      PeopleProjection.register(connection);
    },
    routes: (router, runtime) => {
      applicationRoutes(router, {
        applications: new ApplicationStore(runtime.store),
        people: new PeopleProjection(runtime.store),
        writer: runtime.writer,
        topic: config.EVENTS_TOPIC,
      });
      bindAuditLog(router, auditLog, runtime.store);
    },
    // People are known to this service only through residents' events: it never reads their database.
    consumers: (runtime) => {
      const people = new PeopleProjection(runtime.store);
      return [
        {
          groupId: config.PEOPLE_CONSUMER_GROUP,
          topics: [config.RESIDENTS_EVENTS_TOPIC],
          handlers: people.handlers,
          batchHandlers: people.batchHandlers,
        },
      ];
    },
    // Maintenance commands, `node src/main.ts <name>` (e.g. from `kubectl exec`): none yet.
    commands: {},
  };
}

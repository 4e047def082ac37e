import { PiiProtector } from '@employment/core';
import { compileComponentSchema } from '@employment/http';
import type { ServiceDefinition, ServiceRuntime } from '@employment/kit';
import type { ResidentsConfig } from './config.ts';
import { AreaTree } from './data-access/area-tree.ts';
import { registerModels } from './data-access/models.ts';
import { ResidentsRepository } from './data-access/residents-repository.ts';
import { AreaRegistry } from './domain/areas.ts';
import { WorkingCalendar } from './domain/calendar.ts';
import { Certificates } from './domain/certificates.ts';
import type { ChangeWriter } from './domain/changes.ts';
import { Households } from './domain/households.ts';
import { People } from './domain/people.ts';
import { reencryptNationalIds } from './domain/pii-rotation.ts';
import { Registry } from './domain/registry.ts';
import { Surveys } from './domain/surveys.ts';
import { Tracking } from './domain/tracking.ts';
import { WarningMonitor } from './domain/warning-monitor.ts';
import { Warnings } from './domain/warnings.ts';
import { areasRoutes } from './entry-points/http/areas-routes.ts';
import { householdsRoutes } from './entry-points/http/households-routes.ts';
import { peopleRoutes } from './entry-points/http/people-routes.ts';
import { programmesRoutes } from './entry-points/http/programmes-routes.ts';
import { communityStatsConsumer, consumerGroups } from './entry-points/messaging/community-stats.ts';
import { householdsConsumer } from './entry-points/messaging/households.ts';
import { placementsConsumer } from './entry-points/messaging/placements.ts';
import { openapi } from './openapi.ts';

export interface ResidentsOptions {
  /** The clock of the domain (tests move it); default the system clock. */
  now?: () => Date;
}

/** The residents domain wired on one runtime: use cases, the area tree and the warning monitor. */
export class ResidentsApp {
  readonly repository: ResidentsRepository;
  readonly tree: AreaTree;
  readonly areas: AreaRegistry;
  readonly registry: Registry;
  readonly people: People;
  readonly households: Households;
  readonly warnings: Warnings;
  readonly surveys: Surveys;
  readonly tracking: Tracking;
  readonly certificates: Certificates;
  readonly monitor: WarningMonitor;
  readonly now: () => Date;

  constructor(runtime: ServiceRuntime<ResidentsConfig>, pii: PiiProtector, options: ResidentsOptions) {
    const config = runtime.config;
    const now = options.now ?? (() => new Date());
    this.now = now;
    const topic = config.RESIDENTS_EVENTS_TOPIC;
    const writer: ChangeWriter = runtime.writer;
    const calendar = new WorkingCalendar({
      holidays: config.PUBLIC_HOLIDAYS,
      extraWorkingDays: config.EXTRA_WORKING_DAYS,
    });
    this.repository = new ResidentsRepository(runtime.store);
    this.tree = new AreaTree(runtime.store);
    this.areas = new AreaRegistry({
      tree: this.tree,
      writer,
      topic,
      checkRow: compileComponentSchema(openapi, 'AreaRow'),
      now,
    });
    this.warnings = new Warnings({
      repository: this.repository,
      writer,
      topic,
      calendar,
      escalationWorkingDays: config.WARNING_ESCALATION_WORKING_DAYS,
      now,
    });
    this.registry = new Registry({
      repository: this.repository,
      pii,
      writer,
      areas: this.areas,
      households: () => this.households,
      topic,
      checkRowSchema: compileComponentSchema(openapi, 'ResidentRegistration'),
      now,
    });
    this.households = new Households({
      repository: this.repository,
      writer,
      areas: this.areas,
      registry: this.registry,
      warnings: this.warnings,
      calendar,
      topic,
      placementWorkingDays: config.ZERO_EMPLOYMENT_PLACEMENT_WORKING_DAYS,
      checkImportRow: compileComponentSchema(openapi, 'HouseholdImportRow'),
      maxPeoplePerBatch: config.BATCH_MAX_RESIDENTS,
      now,
    });
    this.people = new People({
      repository: this.repository,
      writer,
      registry: this.registry,
      households: this.households,
      areas: this.areas,
      topic,
      now,
    });
    this.surveys = new Surveys({
      repository: this.repository,
      writer,
      households: this.households,
      topic,
      now,
    });
    this.tracking = new Tracking({
      repository: this.repository,
      writer,
      households: this.households,
      areas: this.areas,
      topic,
      now,
    });
    this.certificates = new Certificates({
      repository: this.repository,
      writer,
      registry: this.registry,
      warnings: this.warnings,
      topic,
      now,
    });
    this.monitor = new WarningMonitor({
      repository: this.repository,
      writer,
      warnings: this.warnings,
      logger: runtime.logger.child({ component: 'warning-monitor' }),
      certificateGraceDays: config.CERTIFICATE_CHECK_GRACE_DAYS,
      now,
    });
  }
}

/** The residents service, assembled on the kit. */
export function residentsService(
  config: ResidentsConfig,
  options: ResidentsOptions = {},
): ServiceDefinition<ResidentsConfig> {
  const pii = new PiiProtector({
    encryptionKeyBase64: config.PII_ENCRYPTION_KEY,
    keyVersion: config.PII_KEY_VERSION,
    previousKeys: config.PII_PREVIOUS_ENCRYPTION_KEYS,
    hashKeyBase64: config.PII_HASH_KEY,
  });
  // One app per runtime: routes, consumers and start-up share it.
  const apps = new WeakMap<ServiceRuntime<ResidentsConfig>, ResidentsApp>();
  const appOf = (runtime: ServiceRuntime<ResidentsConfig>) => {
    let app = apps.get(runtime);
    if (!app) {
      app = new ResidentsApp(runtime, pii, options);
      apps.set(runtime, app);
    }
    return app;
  };
  const groups = consumerGroups(config.CONSUMER_GROUP_PREFIX);
  return {
    config,
    openapi,
    topics: [{ topic: config.RESIDENTS_EVENTS_TOPIC }],
    models: registerModels,
    onStart: async (runtime) => {
      const app = appOf(runtime);
      await app.tree.load();
      app.tree.startRefreshing(config.AREA_CACHE_REFRESH_MS, (err) =>
        runtime.logger.warn({ err }, 'area tree refresh failed; will retry'),
      );
      app.monitor.start(config.WARNING_CHECK_INTERVAL_MS);
      runtime.closers.unshift(async () => {
        app.tree.stop();
        await app.monitor.stop();
      });
      runtime.logger.info({ areas: app.tree.size }, 'area tree loaded');
    },
    routes: (router, runtime) => {
      const app = appOf(runtime);
      const repository = app.repository;
      peopleRoutes(router, { registry: app.registry, people: app.people, repository });
      areasRoutes(router, { areas: app.areas, repository, now: app.now });
      householdsRoutes(router, {
        households: app.households,
        surveys: app.surveys,
        tracking: app.tracking,
        repository,
      });
      programmesRoutes(router, {
        certificates: app.certificates,
        tracking: app.tracking,
        warnings: app.warnings,
        areas: app.areas,
        registry: app.registry,
        repository,
      });
    },
    commands: {
      'reencrypt-pii': {
        describe: 'reseal every stored national ID number with the current PII key (key rotation)',
        run: async (runtime) => {
          const report = await reencryptNationalIds({
            residents: appOf(runtime).repository.residents,
            audit: appOf(runtime).repository.audit,
            pii,
            logger: runtime.logger,
          });
          process.stdout.write(`${JSON.stringify(report)}\n`);
          if (report.remaining > 0)
            throw new Error(`${report.remaining} records are still under an earlier key: run again`);
        },
      },
    },
    consumers: (runtime) => {
      const app = appOf(runtime);
      return [
        communityStatsConsumer(runtime.store, {
          topic: config.RESIDENTS_EVENTS_TOPIC,
          groupId: groups.communityStats,
        }),
        householdsConsumer({
          topic: config.RESIDENTS_EVENTS_TOPIC,
          groupId: groups.households,
          repository: app.repository,
          households: app.households,
        }),
        placementsConsumer({
          topic: config.JOBS_EVENTS_TOPIC,
          groupId: groups.placements,
          repository: app.repository,
          people: app.people,
          warnings: app.warnings,
          now: app.now,
        }),
      ];
    },
  };
}

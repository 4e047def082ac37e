import type { ServiceDefinition } from '@employment/kit';
import type { JobsConfig } from './config.ts';
import { registerModels } from './data-access/models.ts';
import { JobsRepository } from './data-access/repository.ts';
import { CandidatePool } from './domain/candidate-pool.ts';
import { CandidateProfiles } from './domain/candidate-profiles.ts';
import type { Writer } from './domain/changes.ts';
import { EmployerRegistry } from './domain/employers.ts';
import { JOBS_TOPIC } from './domain/events.ts';
import { Matcher } from './domain/matcher.ts';
import { PlacementDesk } from './domain/placements.ts';
import { ReferralDesk } from './domain/referrals.ts';
import { SkillVocabulary } from './domain/skills.ts';
import { VacancyBoard } from './domain/vacancies.ts';
import { jobsRoutes } from './entry-points/http/routes.ts';
import { candidatesConsumer } from './entry-points/messaging/candidates.ts';
import { openapi } from './openapi.ts';

export interface JobsServiceOptions {
  /** The clock of the use cases (tests move it; the store and Kafka keep real time). */
  now?: () => Date;
}

/**
 * The jobs service, assembled on the kit. The candidate pool lives as long as the definition:
 * one definition per running service.
 */
export function jobsService(
  config: JobsConfig,
  options: JobsServiceOptions = {},
): ServiceDefinition<JobsConfig> & {
  pool: CandidatePool;
} {
  const vocabulary = SkillVocabulary.bundled();
  const pool = new CandidatePool(vocabulary);
  const now = options.now ?? (() => new Date());
  return {
    config,
    openapi,
    topics: [{ topic: JOBS_TOPIC }],
    models: registerModels,
    pool,
    onStart: async (runtime) => {
      const repository = new JobsRepository(runtime.store);
      await pool.load(repository);
      pool.start({
        refreshMs: config.CANDIDATE_POOL_REFRESH_MS,
        reloadMs: config.CANDIDATE_POOL_RELOAD_MS,
        onError: (err) => {
          // A poll cut short by shutdown is not worth a warning.
          if (runtime.store.readyState === 1)
            runtime.logger.warn({ err }, 'candidate pool refresh failed; will retry');
        },
      });
      runtime.closers.push(async () => pool.stop());
      runtime.logger.info({ candidates: pool.size }, 'candidate pool loaded');
    },
    routes: (router, runtime) => {
      const repository = new JobsRepository(runtime.store);
      const writer: Writer = {
        change: (mutations, events) => runtime.change(mutations, events),
        commit: (changes) => runtime.outbox.commit(changes),
      };
      const deps = { repository, writer, vocabulary, pool, now };
      const candidates = new CandidateProfiles(deps);
      jobsRoutes(router, {
        repository,
        vocabulary,
        employers: new EmployerRegistry(deps),
        vacancies: new VacancyBoard(deps),
        candidates,
        matcher: new Matcher({ ...deps, profiles: candidates }),
        referrals: new ReferralDesk({ ...deps, profiles: candidates }),
        placements: new PlacementDesk({ ...deps, profiles: candidates }),
        matchPageMax: config.MATCH_PAGE_MAX,
      });
    },
    consumers: (runtime) => [
      candidatesConsumer({
        groupId: config.CANDIDATES_CONSUMER_GROUP,
        topic: config.RESIDENTS_EVENTS_TOPIC,
        repository: new JobsRepository(runtime.store),
        pool,
      }),
    ],
  };
}

import { loadConfigOrExit } from '@employment/core';
import { runService } from '@employment/kit';
import { jobsConfigSchema } from './config.ts';
import { jobsService } from './service.ts';

// `node src/main.ts` serves; `node src/main.ts migrate` creates topics and indexes, then exits.
await runService(jobsService(loadConfigOrExit(jobsConfigSchema)));

import { loadConfigOrExit } from '@employment/core';
import { runService } from '@employment/kit';
import { residentsConfigSchema } from './config.ts';
import { residentsService } from './service.ts';

// `node src/main.ts` serves; `node src/main.ts migrate` creates topics and indexes, then exits.
await runService(residentsService(loadConfigOrExit(residentsConfigSchema)));

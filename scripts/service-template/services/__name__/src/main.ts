import { loadConfigOrExit } from '@employment/core';
import { runService } from '@employment/kit';
import { __camel__ConfigSchema } from './config.ts';
import { __camel__Service } from './service.ts';

// `node src/main.ts` serves; `node src/main.ts migrate` creates topics and indexes, then exits (the
// chart's pre-install job); `node src/main.ts <command>` runs one of the service's commands.
await runService(__camel__Service(loadConfigOrExit(__camel__ConfigSchema)));

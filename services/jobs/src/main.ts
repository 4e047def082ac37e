import { exitOnSignals, loadConfigOrExit, ServiceRuntime } from '@employment/kit';
import { jobsConfigSchema } from './config.ts';
import { jobsService } from './service.ts';

// `node src/main.ts` serves; `node src/main.ts migrate` creates topics and indexes, then exits.
const config = loadConfigOrExit(jobsConfigSchema);
const definition = jobsService(config);

if (process.argv[2] === 'migrate') {
  const runtime = await ServiceRuntime.connect(definition);
  await runtime.migrate();
  runtime.logger.info('topics and indexes are in place');
  await runtime.stop();
  process.exit(0);
} else {
  const runtime = await ServiceRuntime.start(definition);
  exitOnSignals(runtime);
}

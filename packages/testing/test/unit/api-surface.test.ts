import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiSurface, servicesWithDocuments } from '../../src/api-surface.ts';
import { repositoryRoot } from '../../src/service-process.ts';

/**
 * Each service's HTTP API as committed in `services/<name>/api-surface.txt`: a change of a path,
 * method, parameter or status fails here until the file is regenerated
 * (`UPDATE_API_SURFACE=1 npx jest --selectProjects unit api-surface`) and the difference is
 * reviewed with the change that made it.
 */
describe('the HTTP API surface of each service', () => {
  const services = servicesWithDocuments(repositoryRoot);

  it('when the services are listed, then residents and jobs are among them', () => {
    expect(services).toEqual(expect.arrayContaining(['jobs', 'residents']));
  });

  it.each(services)(
    'when the document of %s is compared with its committed surface, then they are equal',
    async (name) => {
      const { openapi } = (await import(join(repositoryRoot, 'services', name, 'src', 'openapi.ts'))) as {
        openapi: { paths: Record<string, Record<string, unknown>> };
      };
      const file = join(repositoryRoot, 'services', name, 'api-surface.txt');
      const current = `${apiSurface(openapi).join('\n')}\n`;
      if (process.env.UPDATE_API_SURFACE === '1') writeFileSync(file, current);
      expect(current).toBe(readFileSync(file, 'utf8'));
    },
  );
});

import { compareRoutes, documentedRoutes } from '@employment/testing';
import type { ResidentsConfig } from '../../src/config.ts';
import {
  dropDatabase,
  type RunningResidents,
  residentsTestConfig,
  startResidents,
  TestAuth,
} from '../support.ts';

describe('the OpenAPI document and the routes', () => {
  let auth: TestAuth;
  let config: ResidentsConfig;
  let service: RunningResidents;

  beforeAll(async () => {
    auth = await TestAuth.start();
    config = residentsTestConfig(auth);
    service = await startResidents(config, { seed: false });
  });

  afterAll(async () => {
    await service.runtime.stop();
    await auth.stop();
    await dropDatabase(config);
  });

  it('when the routes the service registers are compared with the document it serves, then each documented operation has a route and each route is documented', async () => {
    const res = await service.request('GET', '/openapi.json');
    expect(res.status).toBe(200);
    const routes = compareRoutes(service.runtime.server!, res.body);
    expect({
      undocumented: routes.undocumented,
      unserved: routes.unserved,
      duplicated: routes.duplicated,
    }).toEqual({ undocumented: [], unserved: [], duplicated: [] });
    // The listing reads express's paths: parameters are named as in the document.
    expect(routes.served).toHaveLength(documentedRoutes(res.body).length);
    expect(routes.served).toEqual(
      expect.arrayContaining([
        'POST /v1/residents',
        'DELETE /v1/households/:householdId/members/:residentId',
        'GET /v1/audit-log',
      ]),
    );
  });
});

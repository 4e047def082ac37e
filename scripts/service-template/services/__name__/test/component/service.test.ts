import { compareRoutes, documentedRoutes } from '@employment/testing';
import type { __Pascal__Config } from '../../src/config.ts';
import { cleanUp, type Running__Pascal__, start__Pascal__, TestAuth, testConfig } from '../support.ts';

describe('the __name__ service', () => {
  let auth: TestAuth;
  let config: __Pascal__Config;
  let service: Running__Pascal__;

  beforeAll(async () => {
    auth = await TestAuth.start();
    config = testConfig(auth);
    service = await start__Pascal__(config);
  });

  afterAll(async () => {
    await service?.runtime.stop();
    await auth.stop();
    await cleanUp(config);
  });

  it('when it has started, then it is healthy, ready once its store, Redis and Kafka answer, and serves its metrics', async () => {
    expect((await service.request('GET', '/healthz')).status).toBe(200);
    const ready = await service.request('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { store: 'ok', redis: 'ok', kafka: 'ok' } });
    const metrics = await service.request('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('http_server_request_duration_seconds');
  });

  it('when the routes it registers are compared with the document it serves, then each documented operation has a route and each route is documented', async () => {
    const res = await service.request('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const routes = compareRoutes(service.runtime.server!, res.body);
    expect({ undocumented: routes.undocumented, unserved: routes.unserved, duplicated: routes.duplicated }).toEqual({
      undocumented: [],
      unserved: [],
      duplicated: [],
    });
    expect(routes.served).toHaveLength(documentedRoutes(res.body).length);
    expect(routes.served).toEqual(expect.arrayContaining(['POST /v1/applications', 'GET /v1/audit-log']));
  });

  it('when a request comes without a token, then it is refused before any route runs', async () => {
    const res = await service.request('GET', '/v1/applications');
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });
});

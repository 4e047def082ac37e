import { quotaOf } from '../../src/rate-limit.ts';

describe('client quotas', () => {
  const quotas = { perMinute: 1200, quotas: { 'district-420102': 3000, 'load-*': 60000, 'load-slow-*': 10 } };

  it('when a client is named, then its own quota applies; by prefix, the longest prefix wins; else the default', () => {
    expect(quotaOf('district-420102', quotas)).toBe(3000);
    expect(quotaOf('district-4201020', quotas)).toBe(1200);
    expect(quotaOf('load-abc-district-420102-1', quotas)).toBe(60000);
    expect(quotaOf('load-slow-1', quotas)).toBe(10);
    expect(quotaOf('district-420103', quotas)).toBe(1200);
    // Keys of the object itself are not quotas.
    expect(quotaOf('constructor', quotas)).toBe(1200);
  });
});

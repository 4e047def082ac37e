export * from './health.ts';
export * from './service.ts';

export * from './api-surface.ts';
export * from './infra.ts';
export * from './kafka-probe.ts';
export * from './module-graph.ts';
export * from './routes.ts';
export * from './service-process.ts';
export * from './service-under-test.ts';
export * from './wait.ts';

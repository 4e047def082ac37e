export * from './infra.ts';
export * from './kafka-probe.ts';
export * from './routes.ts';
export * from './service-process.ts';
export * from './store-under-test.ts';
export * from './tcp-proxy.ts';
export * from './wait.ts';

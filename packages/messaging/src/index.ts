export * from './audit.ts';
export * from './consumer.ts';
export * from './events.ts';
export * from './kafka.ts';
export * from './outbox.ts';
export * from './writer.ts';

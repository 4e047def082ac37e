export * from './change-slots.ts';
export * from './grouped-insert.ts';
export * from './mongo.ts';

export * from './calendar.ts';
export * from './clock.ts';
export * from './dates.ts';
export * from './levels.ts';
export * from './money.ts';

/** A duration as the command lines take it (90, 30s, 2m, 250ms, 1h), in seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new RangeError(`cannot read the duration "${text}" (e.g. 30s, 2m, 90)`);
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  return value * ({ ms: 0.001, s: 1, m: 60, h: 3600 } as const)[unit as 'ms' | 's' | 'm' | 'h'];
}

/** Go time.ParseDuration, returning milliseconds; throws with Go's message on bad input. */
const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };

export class DurationError extends Error {
  readonly code = 'ERR_DURATION';
}

export function parseGoDuration(text: string): number {
  const quoted = JSON.stringify(text);
  let s = text;
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new DurationError(`time: invalid duration ${quoted}`);
  let total = 0;
  while (s !== '') {
    const num = /^(\d*)(\.(\d*))?/.exec(s)!;
    if (num[0] === '' || num[0] === '.') throw new DurationError(`time: invalid duration ${quoted}`);
    s = s.slice(num[0].length);
    const unit = /^[^\d.]+/.exec(s)?.[0];
    if (unit === undefined) throw new DurationError(`time: missing unit in duration ${quoted}`);
    const factor = UNITS[unit];
    if (factor === undefined) throw new DurationError(`time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    s = s.slice(unit.length);
    total += Number(num[0]) * factor;
  }
  return sign * total;
}

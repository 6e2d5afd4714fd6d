import { InvalidTimestampError } from './errors.js';

const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const NS_PER_SEC = 1_000_000_000n;

// ns-resolution "now": hrtime gives ns steps, anchored to the wall clock; re-anchored when the
// two drift apart by more than a few ms (clock steps, suspend: the monotonic clock stops then).
let wallAnchorNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
const MAX_DRIFT_NS = 5_000_000n;

function nowNanos(): bigint {
  const wallNs = BigInt(Date.now()) * 1_000_000n;
  let ns = wallAnchorNs + process.hrtime.bigint();
  const drift = ns - wallNs;
  if (drift > MAX_DRIFT_NS || drift < -MAX_DRIFT_NS) {
    wallAnchorNs = wallNs - process.hrtime.bigint();
    ns = wallNs;
  }
  return ns;
}

/**
 * A point in time with nanosecond precision and a fixed UTC offset, as Go's time.Time holds it
 * after parsing RFC 3339. JS Date only keeps milliseconds, so records keep this type to rewrite
 * Go's strings exactly (`2026-11-27T21:24:20.468779774Z`, offsets such as `-05:00` preserved).
 */
export class GoTime {
  /** Seconds since the Unix epoch (UTC), integral. */
  readonly seconds: number;
  /** 0..999999999 */
  readonly nanos: number;
  /** Offset from UTC in minutes (east positive); 0 prints as `Z`. */
  readonly offsetMinutes: number;

  private constructor(seconds: number, nanos: number, offsetMinutes: number) {
    this.seconds = seconds;
    this.nanos = nanos;
    this.offsetMinutes = offsetMinutes;
  }

  /** Go's zero time.Time, written as `0001-01-01T00:00:00Z`. */
  static readonly ZERO = new GoTime(secondsFromCivil(1, 1, 1, 0, 0, 0), 0, 0);

  static now(): GoTime {
    return GoTime.fromUnixNanos(nowNanos());
  }

  static fromUnixNanos(ns: bigint, offsetMinutes = 0): GoTime {
    let sec = ns / NS_PER_SEC;
    let rem = ns % NS_PER_SEC;
    if (rem < 0n) {
      rem += NS_PER_SEC;
      sec -= 1n;
    }
    return new GoTime(Number(sec), Number(rem), offsetMinutes);
  }

  static fromDate(d: Date): GoTime {
    const ms = d.getTime();
    if (!Number.isFinite(ms)) throw new InvalidTimestampError('invalid Date');
    return GoTime.fromUnixNanos(BigInt(ms) * 1_000_000n);
  }

  /** Parse a strict RFC 3339 string (what Go's time.Time accepts from JSON). */
  static parse(text: string): GoTime {
    const m = RFC3339_RE.exec(text);
    if (!m) throw new InvalidTimestampError(`not an RFC 3339 time: ${JSON.stringify(text)}`);
    const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
    const frac = m[7];
    if (month < 1 || month > 12) throw new InvalidTimestampError(`month out of range in ${JSON.stringify(text)}`);
    if (day < 1 || day > daysIn(year, month)) throw new InvalidTimestampError(`day out of range in ${JSON.stringify(text)}`);
    if (hour > 23 || minute > 59 || second > 59) throw new InvalidTimestampError(`time of day out of range in ${JSON.stringify(text)}`);
    // Go keeps at most 9 fractional digits (ns) and drops the rest.
    const nanos = frac === undefined ? 0 : Number((frac + '000000000').slice(0, 9));
    let offset = 0;
    if (m[8] !== 'Z') {
      const oh = Number(m[10]);
      const om = Number(m[11]);
      if (oh > 23 || om > 59) throw new InvalidTimestampError(`time zone offset out of range in ${JSON.stringify(text)}`);
      offset = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
    }
    const seconds = secondsFromCivil(year, month, day, hour, minute, second) - offset * 60;
    return new GoTime(seconds, nanos, offset);
  }

  /** Nanoseconds since the Unix epoch. */
  unixNanos(): bigint {
    return BigInt(this.seconds) * NS_PER_SEC + BigInt(this.nanos);
  }

  /** A JS Date (loses sub-millisecond digits). */
  toDate(): Date {
    return new Date(this.seconds * 1000 + Math.floor(this.nanos / 1e6));
  }

  isZero(): boolean {
    return this.seconds === GoTime.ZERO.seconds && this.nanos === 0;
  }

  /** Same instant (offsets may differ), like Go's Time.Equal. */
  equals(other: GoTime): boolean {
    return this.seconds === other.seconds && this.nanos === other.nanos;
  }

  compare(other: GoTime): number {
    return this.seconds !== other.seconds ? Math.sign(this.seconds - other.seconds) : Math.sign(this.nanos - other.nanos);
  }

  /** RFC 3339 with nanoseconds, trailing fractional zeros removed (Go's RFC3339Nano). */
  toString(): string {
    const local = civilFromSeconds(this.seconds + this.offsetMinutes * 60);
    if (local.year < 0 || local.year > 9999) {
      throw new InvalidTimestampError(`Time.MarshalJSON: year outside of range [0,9999]: ${local.year}`);
    }
    let s = `${pad(local.year, 4)}-${pad(local.month, 2)}-${pad(local.day, 2)}T${pad(local.hour, 2)}:${pad(local.minute, 2)}:${pad(local.second, 2)}`;
    if (this.nanos !== 0) s += '.' + pad(this.nanos, 9).replace(/0+$/, '');
    if (this.offsetMinutes === 0) return s + 'Z';
    const abs = Math.abs(this.offsetMinutes);
    return s + (this.offsetMinutes < 0 ? '-' : '+') + pad(Math.floor(abs / 60), 2) + ':' + pad(abs % 60, 2);
  }

  toJSON(): string {
    return this.toString();
  }

  /** console.log shows the RFC 3339 text. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `GoTime(${this.toString()})`;
  }
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysIn(year: number, month: number): number {
  return month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
}

// Howard Hinnant's days_from_civil / civil_from_days: exact for every proleptic Gregorian year.
function secondsFromCivil(y: number, m: number, d: number, hh: number, mm: number, ss: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146097 + doe - 719468;
  return days * 86400 + hh * 3600 + mm * 60 + ss;
}

function civilFromSeconds(total: number) {
  const days = Math.floor(total / 86400);
  let rest = total - days * 86400;
  const hour = Math.floor(rest / 3600);
  rest -= hour * 3600;
  const minute = Math.floor(rest / 60);
  const second = rest - minute * 60;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day, hour, minute, second };
}

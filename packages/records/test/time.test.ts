import { describe, expect, it, vi } from 'vitest';
import { GoTime } from '../src/time.js';

describe('GoTime', () => {
  it.each([
    '2026-11-27T21:24:20.468779774Z',
    '2026-11-27T21:24:20Z',
    '2026-11-27T21:24:09.0880391Z',
    '0001-01-01T00:00:00Z',
    '2015-03-01T10:00:00.5-05:00',
    '2000-02-29T23:59:59.000000001+13:45',
    '9999-12-31T23:59:59.999999999Z',
  ])('round-trips %s exactly', (s) => {
    expect(GoTime.parse(s).toString()).toBe(s);
  });

  it('normalizes like Go: trailing zeros trimmed, zero offset written as Z, >9 digits truncated', () => {
    expect(GoTime.parse('2026-11-27T21:24:20.100000000Z').toString()).toBe('2026-11-27T21:24:20.1Z');
    expect(GoTime.parse('2026-11-27T21:24:20+00:00').toString()).toBe('2026-11-27T21:24:20Z');
    expect(GoTime.parse('2026-11-27T21:24:20.1234567891Z').toString()).toBe('2026-11-27T21:24:20.123456789Z');
  });

  it('knows the instant behind an offset', () => {
    const a = GoTime.parse('2015-03-01T10:00:00.25-05:00');
    const b = GoTime.parse('2015-03-01T15:00:00.25Z');
    expect(a.equals(b)).toBe(true);
    expect(a.unixNanos()).toBe(BigInt(Date.UTC(2015, 2, 1, 15)) * 1_000_000n + 250_000_000n);
    expect(a.toDate().toISOString()).toBe('2015-03-01T15:00:00.250Z');
    expect(GoTime.ZERO.isZero()).toBe(true);
    expect(GoTime.ZERO.toDate().toISOString()).toBe('0001-01-01T00:00:00.000Z');
  });

  it('accepts a JS toISOString() value and converts Dates', () => {
    const d = new Date('2024-01-02T03:04:05.678Z');
    expect(GoTime.parse(d.toISOString()).toString()).toBe('2024-01-02T03:04:05.678Z');
    expect(GoTime.fromDate(d).toString()).toBe('2024-01-02T03:04:05.678Z');
  });

  it.each(['', '2026-11-27', '2026-11-27 21:24:20Z', '2026-02-29T00:00:00Z', '2026-13-01T00:00:00Z', '2026-11-27T24:00:00Z',
    '2026-11-27T21:24:60Z', '2026-11-27T21:24:20', '2026-11-27T21:24:20.Z', '2026-11-27T21:24:20+0500', '2026-11-27T21:24:20+05:60'])(
    'rejects %j',
    (s) => {
      expect(() => GoTime.parse(s)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_TIMESTAMP' }));
    },
  );

  it('now() has nanosecond digits, runs forward and sits near the wall clock', () => {
    const a = GoTime.now();
    const b = GoTime.now();
    expect(b.compare(a)).toBeGreaterThanOrEqual(0);
    expect(Math.abs(a.toDate().getTime() - Date.now())).toBeLessThan(1000);
    expect(a.toString()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
  });

  it('refuses to encode years Go cannot marshal', () => {
    expect(() => GoTime.fromUnixNanos(-70_000_000_000n * 1_000_000_000n).toString()).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_TIMESTAMP' }),
    );
  });

  it('follows the wall clock when it steps (the monotonic clock does not)', () => {
    const realNow = Date.now.bind(Date);
    const hour = 3_600_000;
    const spy = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + hour);
    try {
      expect(Math.abs(GoTime.now().toDate().getTime() - (realNow() + hour))).toBeLessThan(1000);
    } finally {
      spy.mockRestore();
    }
    expect(Math.abs(GoTime.now().toDate().getTime() - realNow())).toBeLessThan(1000);
  });
});

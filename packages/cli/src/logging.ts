import type { Output } from './output.js';
import { goQuote } from './flags/flagset.js';

export type Level = 'debug' | 'error';

/** logrus-style logging on stderr (cli.md §1.8): level error by default, debug with --debug. */
export interface Logger {
  debug(msg: string): void;
  error(msg: string): void;
  readonly debugEnabled: boolean;
}

export function createLogger(out: Output, debugEnabled: boolean, now: () => Date = () => new Date()): Logger {
  const line = (level: Level, msg: string): void => {
    if (out.stderrIsTTY) {
      const tag = level === 'debug' ? '\x1b[37mDEBU\x1b[0m' : '\x1b[31mERRO\x1b[0m';
      const secs = Math.floor(process.uptime()).toString().padStart(4, '0');
      out.err(`${tag}[${secs}] ${msg}\n`);
      return;
    }
    out.err(`time="${rfc3339Seconds(now())}" level=${level} msg=${logfmtValue(msg)}\n`);
  };
  return {
    debugEnabled,
    debug: (msg) => {
      if (debugEnabled) line('debug', msg);
    },
    error: (msg) => line('error', msg),
  };
}

/** logrus quotes a value unless it is made only of [A-Za-z0-9-._/@^+]. */
export function logfmtValue(v: string): string {
  return v !== '' && /^[A-Za-z0-9\-._/@^+]+$/.test(v) ? v : goQuote(v);
}

/** RFC 3339 in local time with seconds, like Go's time.RFC3339. */
export function rfc3339Seconds(d: Date): string {
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  const zone = off === 0 ? 'Z' : `${off > 0 ? '+' : '-'}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${zone}`;
}

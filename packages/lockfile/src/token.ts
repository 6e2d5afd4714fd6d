import { closeSync, openSync, readSync } from 'node:fs';

/** Size of the "last write" token at offset 0 of every lock file (on-disk.md §3.4). */
export const TOKEN_SIZE = 64;

/**
 * Wall clock in nanoseconds, like Go's time.Now().UnixNano(): Date.now() for the milliseconds
 * (never behind the clock other code reads), hrtime for the digits below them.
 */
function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
}
/** Like Go's lastWriterIDCounter: one counter per process, first token gets 1. */
let tokenCounter = 0n;

/**
 * A fresh token in the Go layout: time ns (u64 LE), per-process counter (u64 LE),
 * pid (u32 LE), 44 random bytes.
 */
export function newToken(): Buffer {
  const token = Buffer.alloc(TOKEN_SIZE);
  token.writeBigUInt64LE(nowNs(), 0);
  tokenCounter += 1n;
  token.writeBigUInt64LE(tokenCounter, 8);
  token.writeUInt32LE(process.pid >>> 0, 16);
  fillRandom(token, 20, TOKEN_SIZE);
  return token;
}

/**
 * Kernel randomness, as Go's crypto/rand: read from /dev/urandom, which costs three system calls
 * where loading node:crypto costs a few milliseconds of a short command's start. node:crypto
 * only where /dev/urandom cannot be read (a chroot without /dev).
 */
function fillRandom(buf: Buffer, start: number, end: number): void {
  let fd: number;
  try {
    fd = openSync('/dev/urandom', 'r');
  } catch {
    process.getBuiltinModule('node:crypto').randomFillSync(buf, start, end - start);
    return;
  }
  try {
    for (let at = start; at < end; ) {
      const n = readSync(fd, buf, at, end - at, null);
      if (n <= 0) throw new Error('/dev/urandom: unexpected end of data');
      at += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** Decodes a token's fields, for diagnostics and tests; null unless it is exactly 64 bytes. */
export function describeToken(token: Uint8Array): { timeNs: bigint; counter: bigint; pid: number } | null {
  if (token.byteLength !== TOKEN_SIZE) return null;
  const b = Buffer.from(token.buffer, token.byteOffset, token.byteLength);
  return { timeNs: b.readBigUInt64LE(0), counter: b.readBigUInt64LE(8), pid: b.readUInt32LE(16) };
}

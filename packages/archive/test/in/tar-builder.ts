/**
 * Hand-made tar bytes for tests: every field is under the test's control, including broken
 * checksums, odd formats and hostile names (a real tar writer would refuse most of these).
 */
export interface HeaderSpec {
  name: string | Buffer;
  type?: string; // typeflag char, default '0'
  size?: number; // header size field (default: data length)
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  linkname?: string | Buffer;
  devmajor?: number;
  devminor?: number;
  format?: 'ustar' | 'gnu' | 'v7';
  prefix?: string;
  data?: Buffer | string;
  pax?: Record<string, string | Buffer>;
  gnuLongName?: string | Buffer;
  gnuLongLink?: string | Buffer;
  corruptChecksum?: boolean;
}

function put(b: Buffer, off: number, len: number, v: string | Buffer): void {
  const src = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
  src.copy(b, off, 0, Math.min(len, src.length));
}

function octal(b: Buffer, off: number, len: number, n: number): void {
  put(b, off, len, n.toString(8).padStart(len - 1, '0') + '\0');
}

export function header(h: HeaderSpec, size: number): Buffer {
  const b = Buffer.alloc(512);
  put(b, 0, 100, h.name);
  octal(b, 100, 8, h.mode ?? (h.type === '5' ? 0o755 : 0o644));
  octal(b, 108, 8, h.uid ?? 0);
  octal(b, 116, 8, h.gid ?? 0);
  octal(b, 124, 12, size);
  octal(b, 136, 12, h.mtime ?? 1600000000);
  b[156] = (h.type ?? '0').charCodeAt(0);
  if (h.linkname !== undefined) put(b, 157, 100, h.linkname);
  const format = h.format ?? 'ustar';
  if (format === 'ustar') {
    put(b, 257, 6, 'ustar\0');
    put(b, 263, 2, '00');
  } else if (format === 'gnu') {
    put(b, 257, 8, 'ustar  \0');
  }
  if (format !== 'v7') {
    octal(b, 329, 8, h.devmajor ?? 0);
    octal(b, 337, 8, h.devminor ?? 0);
  }
  if (h.prefix !== undefined) put(b, 345, 155, h.prefix);
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const c of b) sum += c;
  if (h.corruptChecksum) sum += 1;
  put(b, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return b;
}

function padded(data: Buffer): Buffer {
  const pad = (512 - (data.length % 512)) % 512;
  return Buffer.concat([data, Buffer.alloc(pad)]);
}

export function paxData(records: Record<string, string | Buffer>): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(records)) {
    const body = Buffer.concat([Buffer.from(` ${k}=`), typeof v === 'string' ? Buffer.from(v) : v, Buffer.from('\n')]);
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len = String(len).length + body.length;
    parts.push(Buffer.concat([Buffer.from(String(len)), body]));
  }
  return Buffer.concat(parts);
}

/** One member: optional GNU L/K and PAX headers, then the header and padded data. */
export function member(h: HeaderSpec): Buffer {
  const data = h.data === undefined ? Buffer.alloc(0) : typeof h.data === 'string' ? Buffer.from(h.data) : h.data;
  const out: Buffer[] = [];
  if (h.gnuLongName !== undefined) {
    const d = Buffer.concat([typeof h.gnuLongName === 'string' ? Buffer.from(h.gnuLongName) : h.gnuLongName, Buffer.alloc(1)]);
    out.push(header({ name: '././@LongLink', type: 'L', format: 'gnu' }, d.length), padded(d));
  }
  if (h.gnuLongLink !== undefined) {
    const d = Buffer.concat([typeof h.gnuLongLink === 'string' ? Buffer.from(h.gnuLongLink) : h.gnuLongLink, Buffer.alloc(1)]);
    out.push(header({ name: '././@LongLink', type: 'K', format: 'gnu' }, d.length), padded(d));
  }
  if (h.pax !== undefined) {
    const d = paxData(h.pax);
    out.push(header({ name: 'PaxHeaders/x', type: 'x' }, d.length), padded(d));
  }
  out.push(header(h, h.size ?? data.length), padded(data));
  return Buffer.concat(out);
}

export const EOA = Buffer.alloc(1024);

export function tar(...members: HeaderSpec[]): Buffer {
  return Buffer.concat([...members.map(member), EOA]);
}

export const file = (name: string, data: Buffer | string = '', extra: Partial<HeaderSpec> = {}): HeaderSpec => ({ name, data, ...extra });
export const dir = (name: string, extra: Partial<HeaderSpec> = {}): HeaderSpec => ({ name, type: '5', ...extra });
export const symlink = (name: string, target: string, extra: Partial<HeaderSpec> = {}): HeaderSpec => ({ name, type: '2', linkname: target, mode: 0o777, ...extra });
export const hardlink = (name: string, target: string, extra: Partial<HeaderSpec> = {}): HeaderSpec => ({ name, type: '1', linkname: target, ...extra });

/** Feeds bytes in chunks of `size` (1 = the slowest pipe). */
export async function* chunked(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

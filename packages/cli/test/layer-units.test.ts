import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goQuoteBytes } from '../src/commands/go-quote-bytes.js';
import { idMapsFromFlags, type IDMapFlagValues } from '../src/commands/id-map-flags.js';
import { renderTree } from '../src/commands/layer-tree.js';
import { formatBytes, Progress, TarEntryCounter } from '../src/progress.js';

describe('renderTree (layers --tree)', () => {
  it('draws the upstream example', () => {
    const lines = renderTree([
      { id: 'base', parent: '', notes: ['image: img2'] },
      { id: 'top', parent: 'base', notes: ['name: toplayer', 'name: alias', 'image: img1', 'image name: myimage'] },
      { id: 'c1', parent: 'top', notes: ['container: ctr1', 'container name: mycontainer'] },
      { id: 'L3', parent: 'base', notes: [] },
      { id: 'c2', parent: 'base', notes: ['container: ctr2'] },
    ]);
    expect(lines.join('\n')).toBe(
      [
        '(base)',
        '└─base',
        '  image: img2',
        '  ├─top',
        '  │ name: toplayer',
        '  │ name: alias',
        '  │ image: img1',
        '  │ image name: myimage',
        '  │ └─c1',
        '  │   container: ctr1',
        '  │   container name: mycontainer',
        '  ├─L3',
        '  └─c2',
        '    container: ctr2',
      ].join('\n'),
    );
  });

  it('prints orphans under their missing parent, fewest children first; nothing for no layers', () => {
    const lines = renderTree([
      { id: 'a', parent: '', notes: [] },
      { id: 'b', parent: '', notes: [] },
      { id: 'o', parent: 'gone', notes: ['name: orphan'] },
    ]);
    expect(lines).toEqual(['gone', '└─o', '  name: orphan', '(base)', '├─a', '└─b']);
    expect(renderTree([])).toEqual([]);
  });

  it('stops on a parent cycle instead of looping', () => {
    expect(renderTree([
      { id: 'x', parent: 'y', notes: [] },
      { id: 'y', parent: 'x', notes: [] },
    ])).toEqual([]);
  });
});

describe('goQuoteBytes (changes paths)', () => {
  it('escapes like strconv.Quote', () => {
    expect(goQuoteBytes(Buffer.from('/new file'))).toBe('"/new file"');
    expect(goQuoteBytes(Buffer.from('/a"b\\c\n\t\x07\x7f'))).toBe('"/a\\"b\\\\c\\n\\t\\a\\x7f"');
    expect(goQuoteBytes(Buffer.from('/é☃😀'))).toBe('"/é☃😀"');
    expect(goQuoteBytes(Buffer.from('/\u00ad\u2028\u{e0001}'))).toBe('"/\\u00ad\\u2028\\U000e0001"');
    expect(goQuoteBytes(Buffer.from([0x2f, 0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80]))).toBe('"/\\xff\\xc3(\\xed\\xa0\\x80"');
  });

  it('keeps plain runs intact around escapes and reads only the view it is given', () => {
    expect(goQuoteBytes(Buffer.from(''))).toBe('""');
    expect(goQuoteBytes(Buffer.from('\nabc'))).toBe('"\\nabc"');
    expect(goQuoteBytes(Buffer.from('abc\n'))).toBe('"abc\\n"');
    expect(goQuoteBytes(Buffer.from([0x61, 0x62, 0xff, 0x63, 0x64]))).toBe('"ab\\xffcd"');
    expect(goQuoteBytes(Buffer.from('/usr/share/doc/é/x y~'))).toBe('"/usr/share/doc/é/x y~"');
    // A view into a bigger buffer: the bytes around it must not leak into the text.
    const whole = Buffer.from('XX/a\tb"YY');
    expect(goQuoteBytes(whole.subarray(2, whole.length - 2))).toBe('"/a\\tb\\""');
  });
});

describe('idMapsFromFlags', () => {
  let dir: string;
  let files: { subuid: string; subgid: string };
  const none: IDMapFlagValues = { hostUIDMap: false, hostGIDMap: false, uidMap: '', gidMap: '', subUIDMap: '', subGIDMap: '' };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cs-idmap-'));
    files = { subuid: path.join(dir, 'subuid'), subgid: path.join(dir, 'subgid') };
    await writeFile(files.subuid, 'alice:100000:65536\nbob:200000:10\nalice:300000:5\n');
    await writeFile(files.subgid, 'alice:400000:65536\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('no flags: store defaults; host flags: identity', async () => {
    expect(await idMapsFromFlags(none, files)).toEqual({ uidMap: undefined, gidMap: undefined });
    expect(await idMapsFromFlags({ ...none, hostUIDMap: true, hostGIDMap: true }, files)).toEqual({ uidMap: [], gidMap: [] });
  });

  it('triples, sub-ID ranges first, one sub-map used for both', async () => {
    const maps = await idMapsFromFlags({ ...none, uidMap: '0:1000:1:1:100000:65536', gidMap: '0:5:1', subUIDMap: 'alice' }, files);
    expect(maps.uidMap).toEqual([
      { containerID: 0, hostID: 100000, size: 65536 },
      { containerID: 65536, hostID: 300000, size: 5 },
      { containerID: 0, hostID: 1000, size: 1 },
      { containerID: 1, hostID: 100000, size: 65536 },
    ]);
    expect(maps.gidMap).toEqual([
      { containerID: 0, hostID: 400000, size: 65536 },
      { containerID: 0, hostID: 5, size: 1 },
    ]);
  });

  it('errors carry the Go texts', async () => {
    await expect(idMapsFromFlags({ ...none, uidMap: '0:1' }, files)).rejects.toThrow(
      'initializing ID mappings: uid setting is malformed expected ["uint32:uint32:uint32"]: ["0:1"]',
    );
    await expect(idMapsFromFlags({ ...none, gidMap: 'a:b:c' }, files)).rejects.toThrow('initializing ID mappings: gid setting is malformed');
    await expect(idMapsFromFlags({ ...none, uidMap: '0:1:1', hostUIDMap: true }, files)).rejects.toThrow('host uid map specified along with UID mapping');
    await expect(idMapsFromFlags({ ...none, gidMap: '0:1:1', hostGIDMap: true }, files)).rejects.toThrow('host gid map specified along with GID mapping');
    await expect(idMapsFromFlags({ ...none, subUIDMap: 'nobody' }, files)).rejects.toThrow(`no subuid ranges found for user "nobody" in ${files.subuid}`);
    await expect(idMapsFromFlags({ ...none, subUIDMap: 'bob' }, files)).rejects.toThrow(`no subgid ranges found for group "bob" in ${files.subgid}`);
  });
});

async function* chunks(...parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* parts;
}

/** A minimal tar: one header per [name, size, type] and zero-filled data, then two zero blocks. */
function tarOf(entries: Array<[string, number, string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, size, type] of entries) {
    const h = Buffer.alloc(512);
    h.write(name, 0);
    h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
    h.write(type, 156);
    parts.push(h, Buffer.alloc(Math.ceil(size / 512) * 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

describe('progress', () => {
  it('counts tar entries across any chunking, skipping pax and long-name headers', () => {
    const tar = tarOf([
      ['a', 0, '5'],
      ['x', 30, 'x'],
      ['b', 1000, '0'],
      ['L', 600, 'L'],
      ['c', 512, '0'],
    ]);
    for (const step of [1, 7, 512, 513, tar.length]) {
      const c = new TarEntryCounter();
      for (let i = 0; i < tar.length; i += step) c.feed(tar.subarray(i, i + step));
      expect(c.count).toBe(3);
    }
  });

  it('stops counting at something that is not a tar header', () => {
    const c = new TarEntryCounter();
    const junk = Buffer.alloc(512, 0x41);
    c.feed(junk);
    c.feed(tarOf([['a', 0, '0']]));
    expect(c.count).toBe(0);
  });

  it('draws on a terminal only, with bytes, entries, and a bar for a known total', async () => {
    const written: string[] = [];
    let t = 0;
    const tty = { isTTY: true, columns: 100, write: (s: string) => written.push(s) };
    const tar = tarOf([['a', 2048, '0'], ['b', 0, '0']]);
    const p = new Progress('import-layer', tty, { total: tar.length, now: () => (t += 50), intervalMs: 100 });
    const seen: Uint8Array[] = [];
    for await (const chunk of p.meter(chunks(tar.subarray(0, 1024), tar.subarray(1024)))) seen.push(chunk);
    expect(Buffer.concat(seen).equals(tar)).toBe(true);
    expect(p.bytes).toBe(tar.length);
    expect(p.entries).toBe(2);
    expect(written.at(-1)).toBe('\n');
    expect(written.at(-2)).toMatch(/^\r\x1b\[Kimport-layer: \[=+\] 100% 4\.0 KiB, 2 entries$/);

    const piped: string[] = [];
    const q = new Progress('diff', { isTTY: false, write: (s) => piped.push(s) });
    for await (const _ of q.meter(chunks(tar))) void _;
    expect(piped).toEqual([]);
  });

  it('shows no entry count for compressed input', () => {
    const p = new Progress('applydiff', { isTTY: true, write: () => {} });
    p.update(Buffer.from([0x1f, 0x8b, 8, 0]));
    expect(p.entries).toBeNull();
    expect(p.line()).toBe('applydiff: 4 B');
    expect(formatBytes(5 * 1024 * 1024 + 512 * 1024)).toBe('5.5 MiB');
  });
});

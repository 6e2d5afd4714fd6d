import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { atomicWriteFile, atomicWriteStream } from '../src/atomic-write.js';
import { readRecordArray, writeRecordArray } from '../src/record-file.js';
import { readString, splitMembers } from '../src/decode.js';
import { CorruptFileError } from '../src/errors.js';
import type { JSONValue } from '../src/json-value.js';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-records-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('atomicWriteFile', () => {
  it('replaces the file with mode 0600 and leaves no temp file', async () => {
    const file = path.join(dir, 'images.json');
    await fs.writeFile(file, 'old', { mode: 0o644 });
    const before = (await fs.stat(file)).ino;
    await atomicWriteFile(file, '[]');
    expect(await fs.readFile(file, 'utf8')).toBe('[]');
    const st = await fs.stat(file);
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.ino).not.toBe(before); // a new inode: readers of the old one keep the old content
    expect(await fs.readdir(dir)).toEqual(['images.json']);
  });

  it('applies a requested mode and can skip the sync', async () => {
    const file = path.join(dir, 'x');
    await atomicWriteFile(file, Buffer.from([1, 2, 3]), { mode: 0o640, sync: false });
    expect((await fs.stat(file)).mode & 0o777).toBe(0o640);
  });

  it('keeps the old file and removes the temp file when the source fails', async () => {
    const file = path.join(dir, 'data');
    await fs.writeFile(file, 'old');
    async function* failing() {
      yield Buffer.from('partial');
      throw new Error('source broke');
    }
    await expect(atomicWriteStream(file, failing())).rejects.toThrow('source broke');
    expect(await fs.readFile(file, 'utf8')).toBe('old');
    expect(await fs.readdir(dir)).toEqual(['data']);
  });

  it('streams and counts bytes', async () => {
    const file = path.join(dir, 'big');
    async function* chunks() {
      for (let i = 0; i < 10; i++) yield Buffer.alloc(100_000, i);
    }
    expect(await atomicWriteStream(file, chunks())).toBe(1_000_000);
    expect((await fs.stat(file)).size).toBe(1_000_000);
  });

  it('fails when the directory does not exist', async () => {
    await expect(atomicWriteFile(path.join(dir, 'nope', 'f'), 'x')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

interface Rec {
  id: string;
}
const decodeRec = (v: JSONValue, where: string): Rec => {
  const { known } = splitMembers(v, ['id'], where);
  return { id: readString(known.get('id'), `${where}.id`) };
};

describe('readRecordArray / writeRecordArray', () => {
  it('treats a missing file, an empty file and null as no records', async () => {
    const file = path.join(dir, 'r.json');
    expect(await readRecordArray(file, decodeRec)).toEqual([]);
    await fs.writeFile(file, '');
    expect(await readRecordArray(file, decodeRec)).toEqual([]);
    await fs.writeFile(file, 'null');
    expect(await readRecordArray(file, decodeRec)).toEqual([]);
  });

  it('writes [] for no records and round-trips records', async () => {
    const file = path.join(dir, 'r.json');
    await writeRecordArray(file, [], (r: Rec) => ({ id: r.id }));
    expect(await fs.readFile(file, 'utf8')).toBe('[]');
    await writeRecordArray(file, [{ id: 'a' }, { id: '<b>' }], (r) => ({ id: r.id }));
    expect(await fs.readFile(file, 'utf8')).toBe('[{"id":"a"},{"id":"\\u003cb\\u003e"}]');
    expect(await readRecordArray(file, decodeRec)).toEqual([{ id: 'a' }, { id: '<b>' }]);
  });

  it.each([
    ['[{"id":"a"},{"id":"b"', 'unexpected end of JSON input'],
    ['{"id":"a"}', 'not an array'],
    ['[{"id":"a"},{"id":5}]', 'record 1.id: expected a string'],
    ['[{"id":"a"},7]', 'record 1: expected an object'],
  ])('refuses the corrupt file %j instead of truncating it', async (text, detail) => {
    const file = path.join(dir, 'layers.json');
    await fs.writeFile(file, text);
    const err = await readRecordArray(file, decodeRec).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptFileError);
    expect(err).toMatchObject({ code: 'ERR_CORRUPT_STORE_FILE', file });
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toContain(detail);
  });
});

import { writeBigDataFile } from '../src/big-data-file.js';
import { digestOf } from '@cs/ids';
describe('writeBigDataFile', () => {
  it('creates the object directory and writes bytes or a stream, returning size and digest', async () => {
    const obj = path.join(dir, 'abc');
    const r1 = await writeBigDataFile(obj, 'Config/Blob', 'hello');
    expect(r1).toEqual({ path: path.join(obj, '=Q29uZmlnL0Jsb2I='), size: 5, digest: digestOf('hello') });
    expect((await fs.stat(obj)).mode & 0o777).toBe(0o700);
    async function* parts() {
      yield Buffer.from('hel');
      yield Buffer.from('lo');
    }
    const r2 = await writeBigDataFile(obj, 'manifest', parts());
    expect(r2).toMatchObject({ size: 5, digest: digestOf('hello') });
    expect(await fs.readFile(r2.path, 'utf8')).toBe('hello');
  });

  it('refuses a bad key before creating anything', async () => {
    const obj = path.join(dir, 'never');
    await expect(writeBigDataFile(obj, '', 'x')).rejects.toMatchObject({ code: 'ERR_INVALID_BIG_DATA_KEY' });
    await expect(fs.stat(obj)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BIG_DATA_FIELDS,
  RecordIndex,
  RecordStore,
  RecordView,
  RecordsError,
  bigDataMembersToGo,
  copyBigDataMembers,
  flagsToGo,
  readBigDataMembers,
  readGenericMap,
  readRecordArray,
  readString,
  readStringArray,
  readTime,
  splitMembers,
  writeRecordArray,
  type JSONValue,
  type NewRecordOptions,
  type RecordReader,
  type RecordWriter,
  type StoredRecord,
} from '../src/index.js';

// A minimal store built on the base: "notes" with a `colour` of their own and a history of names.
interface Note extends Omit<StoredRecord, 'extra'> {
  colour: string;
  history: string[];
}
interface NoteRecord extends Note, StoredRecord {}

function decodeNote(v: JSONValue, where: string): NoteRecord {
  const { known, unknown } = splitMembers(v, ['id', 'names', 'colour', 'metadata', ...BIG_DATA_FIELDS, 'created', 'flags'], where);
  const f = (name: string) => known.get(name);
  return {
    id: readString(f('id'), `${where}.id`),
    names: readStringArray(f('names'), `${where}.names`),
    colour: readString(f('colour'), `${where}.colour`),
    metadata: readString(f('metadata'), `${where}.metadata`),
    ...readBigDataMembers(f, where),
    created: readTime(f('created'), `${where}.created`),
    flags: readGenericMap(f('flags'), `${where}.flags`),
    history: [],
    extra: unknown,
  };
}

const encodeNote = (r: NoteRecord) => ({
  id: r.id,
  names: r.names.length > 0 ? r.names : undefined,
  colour: r.colour,
  metadata: r.metadata || undefined,
  ...bigDataMembersToGo(r),
  created: r.created,
  flags: flagsToGo(r.flags),
  ...Object.fromEntries(r.extra),
});

class NoteIndex extends RecordIndex<NoteRecord> {
  readonly byColour = new Map<string, NoteRecord>();
  constructor(records: NoteRecord[]) {
    super(records);
    for (const r of records) this.byColour.set(r.colour, r);
  }
  override add(r: NoteRecord): void {
    super.add(r);
    this.byColour.set(r.colour, r);
  }
  protected override lookupExact(ref: string): NoteRecord | undefined {
    return super.lookupExact(ref) ?? this.byColour.get(ref);
  }
}

interface NoteWriter extends RecordWriter<Note> {
  create(opts: NewRecordOptions & { colour: string }): Promise<Note>;
  dir(ref: string): Promise<string>;
  runDir(ref: string): Promise<string>;
}

class NoteView extends RecordView<NoteRecord, Note, NoteIndex> implements NoteWriter {
  protected override readonly readKeyContexts = { read: 'reading a note', size: 'sizing a note', digest: 'digesting a note' };
  protected toPublic(r: NoteRecord): Note {
    return { ...r, names: [...r.names], history: [...r.history], ...copyBigDataMembers(r), flags: structuredClone(r.flags) };
  }
  protected override nameGiven(r: NoteRecord, name: string): void {
    r.history.push(name);
  }
  create(opts: NewRecordOptions & { colour: string }): Promise<Note> {
    return this.insert(opts, (shared) => {
      if (opts.colour === '') throw new RecordsError('ERR_NO_COLOUR', 'a note needs a colour');
      return { ...shared, colour: opts.colour, history: [] };
    });
  }
  dir(ref: string): Promise<string> {
    return this.userDir(ref);
  }
  runDir(ref: string): Promise<string> {
    return this.runUserDir(ref);
  }
}

class NoteStore extends RecordStore<NoteRecord, Note, NoteIndex, RecordReader<Note>, NoteWriter> {
  static open(dir: string, options: { readOnly?: boolean; runDir?: string } = {}): Promise<NoteStore> {
    return new NoteStore(dir, options, 'image', 'notes.json', 'notes.lock').init();
  }
  protected newView() {
    return new NoteView(this);
  }
  protected unknownError(ref: string): Error {
    return new RecordsError('ERR_NOTE_UNKNOWN', `no note ${ref}`);
  }
  protected newIndex(records: NoteRecord[]) {
    return new NoteIndex(records);
  }
  protected async readRecords() {
    const records = await readRecordArray(this.file, decodeNote);
    this.rejectDuplicateIDs(records, this.file);
    return records;
  }
  protected async writeFiles() {
    await writeRecordArray(this.file, this.records, encodeNote);
    return [this.file];
  }
}

let dir: string;
const stores: NoteStore[] = [];
async function open(opts: { readOnly?: boolean; runDir?: string } = {}) {
  const s = await NoteStore.open(path.join(dir, 'notes'), opts);
  stores.push(s);
  return s;
}
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-record-store-'));
});
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('RecordStore / RecordView / RecordIndex', () => {
  it('creates, looks up by ID, name, extra key and unique prefix, and saves what the subclass encodes', async () => {
    const s = await open();
    const a = await s.write((t) => t.create({ id: 'abc1', names: ['x', 'x', 'y'], colour: 'red', flags: { k: [1] } }));
    await s.write((t) => t.create({ id: 'abd2', colour: 'blue' }));
    expect(a.names).toEqual(['x', 'y']);
    expect(await s.lookup('x')).toBe('abc1');
    expect(await s.lookup('blue')).toBe('abd2');
    expect(await s.lookup('abc')).toBe('abc1');
    await expect(s.lookup('ab')).rejects.toMatchObject({ code: 'ERR_AMBIGUOUS_ID' });
    expect(await s.exists('ab')).toBe(false);
    await expect(s.get('nope')).rejects.toMatchObject({ code: 'ERR_NOTE_UNKNOWN' });
    const saved = JSON.parse(await fs.readFile(s.file, 'utf8')) as Array<Record<string, unknown>>;
    expect(saved.map((r) => [r.id, r.names, r.colour, r.flags])).toEqual([
      ['abc1', ['x', 'y'], 'red', { k: [1] }],
      ['abd2', undefined, 'blue', undefined],
    ]);
  });

  it('refuses taken IDs and names, bad IDs, and what the subclass refuses, saving nothing', async () => {
    const s = await open();
    await s.write((t) => t.create({ id: 'n1', names: ['x'], colour: 'red' }));
    const before = await fs.readFile(s.file, 'utf8');
    await expect(s.write((t) => t.create({ id: 'n1', colour: 'c' }))).rejects.toMatchObject({ code: 'ERR_DUPLICATE_ID' });
    await expect(s.write((t) => t.create({ names: ['x'], colour: 'c' }))).rejects.toMatchObject({ code: 'ERR_DUPLICATE_NAME', ownerID: 'n1' });
    await expect(s.write((t) => t.create({ id: '../up', colour: 'c' }))).rejects.toMatchObject({ code: 'ERR_INVALID_ID' });
    await expect(s.write((t) => t.create({ colour: '' }))).rejects.toMatchObject({ code: 'ERR_NO_COLOUR' });
    expect(await fs.readFile(s.file, 'utf8')).toBe(before);
    expect((await s.list()).map((n) => n.id)).toEqual(['n1']);
  });

  it('moves names between records, calls nameGiven, and repairs a name held twice on the next write', async () => {
    const s = await open();
    await s.write((t) => t.create({ id: 'n1', names: ['a'], colour: 'red' }));
    await s.write((t) => t.create({ id: 'n2', colour: 'blue' }));
    const n2 = await s.addNames('n2', ['a', 'b']);
    expect(n2.names).toEqual(['a', 'b']);
    expect(n2.history).toEqual(['a', 'b']);
    expect((await s.get('n1')).names).toEqual([]);
    expect((await s.removeNames('n2', ['a'])).names).toEqual(['b']);

    await fs.writeFile(
      s.file,
      '[{"id":"n1","names":["dup"],"colour":"r","created":"2026-01-01T00:00:00Z"},{"id":"n2","names":["dup"],"colour":"b","created":"2026-01-01T00:00:00Z"}]',
    );
    const fresh = await open(); // another process's view: it has not loaded yet
    expect((await fresh.get('n1')).names).toEqual([]);
    expect(await fresh.lookup('dup')).toBe('n2');
    expect(await fs.readFile(s.file, 'utf8')).toContain('{"id":"n1","names":["dup"]');
    await fresh.write(() => undefined);
    expect(await fs.readFile(s.file, 'utf8')).toContain('{"id":"n1","colour":"r"');
  });

  it('stores big data with sizes and digests, checks keys before the lookup when asked to', async () => {
    const s = await open();
    await s.write((t) => t.create({ id: 'n1', colour: 'red' }));
    await s.setBigData('n1', 'Some/Key', 'hello');
    expect(await s.bigData('n1', 'Some/Key')).toEqual(Buffer.from('hello'));
    expect(await s.bigDataSize('n1', 'Some/Key')).toBe(5);
    expect(await s.bigDataDigest('n1', 'Some/Key')).toBe('sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
    expect(await s.bigDataNames('n1')).toEqual(['Some/Key']);
    await expect(s.bigData('nope', '')).rejects.toThrow('reading a note: not a valid name for a big data item');
    await expect(s.bigDataSize('nope', '')).rejects.toThrow('sizing a note');
    await expect(s.bigDataDigest('nope', '')).rejects.toThrow('digesting a note');
    await expect(s.setBigData('nope', '', 'x')).rejects.toThrow("can't set empty name for image big data item");
    await expect(s.bigData('n1', 'missing')).rejects.toMatchObject({ code: 'ERR_BIG_DATA_UNKNOWN' });
    await expect(s.bigDataSize('n1', 'missing')).rejects.toMatchObject({ code: 'ERR_SIZE_UNKNOWN' });
    await expect(s.bigDataDigest('n1', 'missing')).rejects.toMatchObject({ code: 'ERR_DIGEST_UNKNOWN' });
  });

  it('makes userdata and run directories, deletes them with the record, and wipes', async () => {
    const runDir = path.join(dir, 'run');
    const s = await open({ runDir });
    await s.write((t) => t.create({ id: 'n1', colour: 'red' }));
    expect(await s.write((t) => t.dir('n1'))).toBe(path.join(dir, 'notes', 'n1', 'userdata'));
    expect(await s.write((t) => t.runDir('red'))).toBe(path.join(runDir, 'n1', 'userdata'));
    await s.delete('n1');
    await expect(fs.stat(path.join(dir, 'notes', 'n1'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fs.stat(path.join(runDir, 'n1'))).rejects.toMatchObject({ code: 'ENOENT' });
    await s.write((t) => t.create({ id: 'n2', colour: 'red' }));
    await s.write((t) => t.create({ id: 'n3', colour: 'blue' }));
    await s.wipe();
    expect(await s.list()).toEqual([]);

    const noRun = await open();
    await noRun.write((t) => t.create({ id: 'n4', colour: 'red' }));
    await expect(noRun.write((t) => t.runDir('n4'))).rejects.toMatchObject({ code: 'ERR_NO_RUN_DIR' });
  });

  it('refuses writes on a read-only store and use of a view after its call', async () => {
    const rw = await open();
    await rw.write((t) => t.create({ id: 'n1', colour: 'red' }));
    const ro = await open({ readOnly: true });
    expect((await ro.get('n1')).colour).toBe('red');
    await expect(ro.setMetadata('n1', 'm')).rejects.toMatchObject({ code: 'ERR_READ_ONLY_STORE' });
    let kept: RecordReader<Note> | undefined;
    await rw.read((t) => void (kept = t));
    expect(() => kept!.list()).toThrow(expect.objectContaining({ code: 'ERR_VIEW_CLOSED' }));
  });

  it('refuses a file with an ID twice', async () => {
    const s = await open();
    await fs.mkdir(path.dirname(s.file), { recursive: true });
    await fs.writeFile(s.file, '[{"id":"a","colour":"r"},{"id":"a","colour":"b"}]');
    await expect(s.list()).rejects.toMatchObject({ code: 'ERR_CORRUPT_STORE_FILE' });
    await expect(s.list()).rejects.toThrow('image ID "a" appears twice');
  });
});

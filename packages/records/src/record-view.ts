import { promises as fs } from 'node:fs';
import path from 'node:path';
import { generateID } from '@cs/ids';
import { writeBigDataFile } from './big-data-file.js';
import { bigDataFileName, bigDataPath } from './big-data-key.js';
import type { GenericValue } from './decode.js';
import { ReadOnlyStoreError, RecordsError } from './errors.js';
import type { RecordIndex } from './record-index.js';
import { assertStorableID, dedupeNames } from './record-ids.js';
import type { RecordStoreCore } from './record-store.js';
import { BigDataUnknownError, DigestUnknownError, DuplicateIDError, DuplicateNameError, SizeUnknownError } from './store-errors.js';
import type { RecordWriter, StoredRecord } from './stored-record.js';
import { GoTime } from './time.js';

/** The members every new record takes from its create options. */
export interface NewRecordOptions {
  /** Defaults to a fresh random 64-hex ID. */
  id?: string;
  names?: string[];
  metadata?: string;
  /** Defaults to now (UTC); the zero time also means now. */
  created?: GoTime | Date;
  flags?: Record<string, GenericValue>;
}

/** The big-data reads whose empty-key message Go words per call. */
export type BigDataRead = 'read' | 'size' | 'digest';

/**
 * What a record store offers under its lock: the lookups and changes images and containers
 * share. One view serves one `read`/`write` call and refuses use after it (`ERR_VIEW_CLOSED`).
 * Subclasses add their own lookups and changes and say how a record is shown.
 */
export abstract class RecordView<Rec extends StoredRecord, Pub, Idx extends RecordIndex<Rec>> implements RecordWriter<Pub> {
  #open = true;
  readonly #store: RecordStoreCore<Rec, Idx>;
  /**
   * Go's context for an empty key, per read, where Go checks the key before looking up the
   * record (containers). Without one the key is checked after the lookup (images).
   */
  protected readonly readKeyContexts?: Readonly<Record<BigDataRead, string>>;

  constructor(store: RecordStoreCore<Rec, Idx>) {
    this.#store = store;
  }

  /** Called when the lock the view was made under is about to be released. */
  close(): void {
    this.#open = false;
  }

  /** The store, while the lock is held. */
  protected s(): RecordStoreCore<Rec, Idx> {
    if (!this.#open) throw new RecordsError('ERR_VIEW_CLOSED', `${this.#store.kind} store view used after its lock was released`);
    return this.#store;
  }

  /** A copy callers may keep and change without touching the store's state. */
  protected abstract toPublic(rec: Rec): Pub;

  /** Go's message when a new record's name is taken (undefined: DuplicateNameError's own). */
  protected duplicateNameMessage(_name: string, _ownerID: string): string | undefined {
    return undefined;
  }

  /** Called for each name setNames/addNames/removeNames leave on a record, in order. */
  protected nameGiven(_rec: Rec, _name: string): void {}

  /** Called after a big-data item was stored; true when that changed more of the record (it is then saved). */
  protected bigDataStored(_rec: Rec): boolean {
    return false;
  }

  list(): Pub[] {
    return this.s().records.map((rec) => this.toPublic(rec));
  }

  get(ref: string): Pub {
    return this.toPublic(this.s().find(ref));
  }

  exists(ref: string): boolean {
    try {
      return this.s().idx.lookup(ref) !== undefined;
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_AMBIGUOUS_ID') return false;
      throw err;
    }
  }

  lookup(ref: string): string {
    return this.s().find(ref).id;
  }

  async bigData(ref: string, key: string): Promise<Buffer> {
    this.#checkKeyFirst('read', key);
    const store = this.s();
    const rec = store.find(ref);
    const file = bigDataPath(store.objectDir(rec.id), key);
    try {
      return await fs.readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BigDataUnknownError(store.kind, rec.id, key, file);
      throw err;
    }
  }

  async bigDataSize(ref: string, key: string): Promise<number> {
    this.#checkKeyFirst('size', key);
    const rec = this.s().find(ref);
    bigDataFileName(key);
    if (Object.hasOwn(rec.bigDataSizes, key)) return rec.bigDataSizes[key]!;
    try {
      return (await this.bigData(ref, key)).length;
    } catch (err) {
      if (err instanceof BigDataUnknownError) throw new SizeUnknownError(key);
      throw err;
    }
  }

  bigDataDigest(ref: string, key: string): string {
    this.#checkKeyFirst('digest', key);
    const rec = this.s().find(ref);
    bigDataFileName(key);
    if (!Object.hasOwn(rec.bigDataDigests, key)) throw new DigestUnknownError(key);
    return rec.bigDataDigests[key]!;
  }

  bigDataNames(ref: string): string[] {
    return [...this.s().find(ref).bigDataNames];
  }

  /** `<dir>/<id>/userdata`, created (0700) when missing. */
  protected async userDir(ref: string): Promise<string> {
    const store = this.s();
    if (store.readOnly) throw new ReadOnlyStoreError(`creating ${/^[aeiou]/.test(store.kind) ? 'an' : 'a'} ${store.kind} directory`);
    const dir = path.join(store.objectDir(store.find(ref).id), 'userdata');
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  /** `<runDir>/<id>/userdata`, created (0700) when missing. */
  protected async runUserDir(ref: string): Promise<string> {
    const store = this.s();
    const { runDir } = store.options;
    if (runDir === undefined) throw new RecordsError('ERR_NO_RUN_DIR', `the ${store.kind} store was opened without a run directory`);
    const dir = path.join(path.resolve(runDir), store.find(ref).id, 'userdata');
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  /**
   * Adds a record: a fresh ID unless one is given, then Go's ID and name checks; `build` adds
   * the subclass's members to the shared ones (and may refuse them by throwing) before the
   * record is indexed and saved.
   */
  protected async insert(opts: NewRecordOptions, build: (shared: StoredRecord) => Rec): Promise<Pub> {
    const store = this.s();
    const idx = store.idx;
    let id = opts.id ?? '';
    if (id === '') {
      do id = generateID();
      while (idx.byID.has(id));
    }
    assertStorableID(id);
    if (idx.byID.has(id)) throw new DuplicateIDError(store.kind, id);
    const names = dedupeNames(opts.names ?? []);
    for (const name of names) {
      const owner = idx.byName.get(name);
      if (owner) throw new DuplicateNameError(store.kind, name, owner.id, this.duplicateNameMessage(name, owner.id));
    }
    const created = opts.created === undefined ? GoTime.now() : opts.created instanceof GoTime ? opts.created : GoTime.fromDate(opts.created);
    const rec = build({
      id,
      names,
      metadata: opts.metadata ?? '',
      bigDataNames: [],
      bigDataSizes: Object.create(null) as Record<string, number>,
      bigDataDigests: Object.create(null) as Record<string, string>,
      created: created.isZero() ? GoTime.now() : created,
      flags: Object.assign(Object.create(null) as Record<string, GenericValue>, structuredClone(opts.flags ?? {})),
      extra: [],
    });
    store.records.push(rec);
    idx.add(rec);
    await store.save();
    return this.toPublic(rec);
  }

  /** The record, then its `<dir>/<id>` and `<runDir>/<id>` directories. */
  async delete(ref: string): Promise<void> {
    const store = this.s();
    const rec = store.find(ref);
    store.idx.remove(rec);
    store.records.splice(store.records.indexOf(rec), 1);
    await store.save();
    await fs.rm(store.objectDir(rec.id), { recursive: true, force: true });
    const runDir = store.runObjectDir(rec.id);
    if (runDir !== undefined) await fs.rm(runDir, { recursive: true, force: true });
  }

  setNames(ref: string, names: string[]): Promise<Pub> {
    return this.#updateNames(ref, () => dedupeNames(names));
  }

  /** New names first, then the old ones (HEAD's order). */
  addNames(ref: string, names: string[]): Promise<Pub> {
    return this.#updateNames(ref, (old) => dedupeNames([...names, ...old]));
  }

  removeNames(ref: string, names: string[]): Promise<Pub> {
    return this.#updateNames(ref, (old) => old.filter((n) => !names.includes(n)));
  }

  async #updateNames(ref: string, compute: (old: string[]) => string[]): Promise<Pub> {
    const store = this.s();
    const rec = store.find(ref);
    const idx = store.idx;
    const next = compute(rec.names);
    for (const name of rec.names) if (idx.byName.get(name) === rec) idx.byName.delete(name);
    for (const name of next) {
      const other = idx.byName.get(name);
      if (other && other !== rec) other.names = other.names.filter((n) => n !== name); // the name moves
      idx.byName.set(name, rec);
      this.nameGiven(rec, name);
    }
    rec.names = next;
    await store.save();
    return this.toPublic(rec);
  }

  setMetadata(ref: string, metadata: string): Promise<void> {
    return this.update(ref, (rec) => void (rec.metadata = metadata));
  }

  setFlag(ref: string, flag: string, value: GenericValue): Promise<void> {
    return this.update(ref, (rec) => void (rec.flags[flag] = structuredClone(value)));
  }

  clearFlag(ref: string, flag: string): Promise<void> {
    return this.update(ref, (rec) => void delete rec.flags[flag]);
  }

  /** Changes one record in memory with `change`, then saves. */
  protected async update(ref: string, change: (rec: Rec) => void): Promise<void> {
    const store = this.s();
    change(store.find(ref));
    await store.save();
  }

  setBigData(ref: string, key: string, data: Uint8Array | string): Promise<void> {
    return this.storeBigData(ref, key, data);
  }

  /**
   * Writes a big-data item (Go checks the key before looking up the record) and records its size
   * and digest: SHA-256 of the bytes, unless `digest` gives another (it may refuse by throwing,
   * before anything is written). Saves only when something changed.
   */
  protected async storeBigData(
    ref: string,
    key: string,
    data: Uint8Array | string,
    digest?: (bytes: Uint8Array) => Promise<string>,
  ): Promise<void> {
    bigDataFileName(key, `can't set empty name for ${this.#store.kind} big data item`);
    const store = this.s();
    const rec = store.find(ref);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const given = digest === undefined ? undefined : await digest(bytes);
    const written = await writeBigDataFile(store.objectDir(rec.id), key, bytes);
    const itemDigest = given ?? written.digest;
    const changed =
      rec.bigDataSizes[key] !== bytes.length || rec.bigDataDigests[key] !== itemDigest || !rec.bigDataNames.includes(key);
    rec.bigDataSizes[key] = bytes.length;
    rec.bigDataDigests[key] = itemDigest;
    if (!rec.bigDataNames.includes(key)) rec.bigDataNames.push(key);
    const more = this.bigDataStored(rec);
    if (changed || more) await store.save();
  }

  async wipe(): Promise<void> {
    for (const rec of [...this.s().records]) await this.delete(rec.id);
  }

  #checkKeyFirst(read: BigDataRead, key: string): void {
    const context = this.readKeyContexts?.[read];
    if (context !== undefined) bigDataFileName(key, context);
  }
}

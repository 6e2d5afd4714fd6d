import { promises as fs } from 'node:fs';
import path from 'node:path';
import { generateID } from '@cs/ids';
import {
  BigDataUnknownError,
  CorruptFileError,
  DigestUnknownError,
  DuplicateIDError,
  DuplicateNameError,
  GoTime,
  GuardedFiles,
  RecordsError,
  ReadOnlyStoreError,
  SizeUnknownError,
  assertStorableID,
  atomicWriteFile,
  writeBigDataFile,
  bigDataFileName,
  bigDataPath,
  dedupeNames,
  encodeGoJSON,
  readRecordArray,
  type GenericValue,
  type IDMap,
} from '@cs/records';
import { ContainerIndex } from './container-index.js';
import { decodeContainer, encodeContainer, publicContainer, type Container, type ContainerRecord } from './container-record.js';
import { ContainerUnknownError } from './errors.js';

export interface ContainerStoreOptions {
  /** `$RUNROOT/$DRV-containers`: run directories live there. */
  runDir?: string;
  /** Reads only (e.g. inspecting someone else's store). */
  readOnly?: boolean;
}

export interface CreateContainerOptions {
  /** Defaults to a fresh random 64-hex ID. */
  id?: string;
  names?: string[];
  /** Image ID ('' or absent: no image). */
  image?: string;
  /** The container's read-write layer (created by the caller). */
  layer: string;
  metadata?: string;
  /** Defaults to now (UTC). */
  created?: GoTime | Date;
  uidMap?: IDMap[];
  gidMap?: IDMap[];
  /** e.g. { MountLabel: '', ProcessLabel: '' } as the Go Store always sets, Volatile: true. */
  flags?: Record<string, GenericValue>;
  /**
   * Put the record in volatile-containers.json (HEAD ≥1.45 behaviour, written without fsync).
   * Go 1.43 does not read that file, so the default is containers.json.
   */
  volatileFile?: boolean;
}

const FILE = 'containers.json';
const VOLATILE_FILE = 'volatile-containers.json';
const LOCK = 'containers.lock';

/**
 * The container store: `containers.json` (+ `volatile-containers.json`), per-container big data
 * and `userdata` directories in `$GRAPHROOT/$DRV-containers`, run directories in
 * `$RUNROOT/$DRV-containers`, all guarded by `containers.lock`. Each method takes the lock
 * itself; `read(fn)` / `write(fn)` run several steps under one lock. Creating and deleting the
 * container's layer is the Store's job.
 */
export class ContainerStore {
  private index = new ContainerIndex([]);
  private repairPending = false;
  private volatileFileSeen = false;
  private lastWritten = new Map<string, string>();

  private constructor(
    readonly dir: string,
    readonly options: ContainerStoreOptions,
    private readonly guard: GuardedFiles,
  ) {}

  static async open(dir: string, options: ContainerStoreOptions = {}): Promise<ContainerStore> {
    const absolute = path.resolve(dir);
    if (!options.readOnly) await fs.mkdir(absolute, { recursive: true, mode: 0o700 });
    let store: ContainerStore | undefined;
    const guard = await GuardedFiles.open({
      lockPath: path.join(absolute, LOCK),
      readOnly: options.readOnly,
      load: () => store!.load(),
    });
    store = new ContainerStore(absolute, options, guard);
    return store;
  }

  get readOnly(): boolean {
    return this.options.readOnly ?? false;
  }

  get file(): string {
    return path.join(this.dir, FILE);
  }

  get volatileFile(): string {
    return path.join(this.dir, VOLATILE_FILE);
  }

  async close(): Promise<void> {
    await this.guard.close();
  }

  read<R>(fn: (containers: ContainerReader) => R | Promise<R>): Promise<R> {
    return this.guard.read(() => this.runView(fn));
  }

  write<R>(fn: (containers: ContainerWriter) => R | Promise<R>): Promise<R> {
    return this.guard.write('container store', async () => {
      if (this.repairPending) await this.save();
      return this.runView(fn);
    });
  }

  // One-call conveniences, each under its own lock.
  list(): Promise<Container[]> { return this.read((t) => t.list()); }
  get(ref: string): Promise<Container> { return this.read((t) => t.get(ref)); }
  exists(ref: string): Promise<boolean> { return this.read((t) => t.exists(ref)); }
  lookup(ref: string): Promise<string> { return this.read((t) => t.lookup(ref)); }
  byImage(imageID: string): Promise<Container[]> { return this.read((t) => t.byImage(imageID)); }
  bigData(ref: string, key: string): Promise<Buffer> { return this.read((t) => t.bigData(ref, key)); }
  bigDataSize(ref: string, key: string): Promise<number> { return this.read((t) => t.bigDataSize(ref, key)); }
  bigDataDigest(ref: string, key: string): Promise<string> { return this.read((t) => t.bigDataDigest(ref, key)); }
  bigDataNames(ref: string): Promise<string[]> { return this.read((t) => t.bigDataNames(ref)); }
  containerDir(ref: string): Promise<string> { return this.read((t) => t.containerDir(ref)); }
  containerRunDir(ref: string): Promise<string> { return this.read((t) => t.containerRunDir(ref)); }
  create(opts: CreateContainerOptions): Promise<Container> { return this.write((t) => t.create(opts)); }
  delete(ref: string): Promise<void> { return this.write((t) => t.delete(ref)); }
  setNames(ref: string, names: string[]): Promise<Container> { return this.write((t) => t.setNames(ref, names)); }
  addNames(ref: string, names: string[]): Promise<Container> { return this.write((t) => t.addNames(ref, names)); }
  removeNames(ref: string, names: string[]): Promise<Container> { return this.write((t) => t.removeNames(ref, names)); }
  setMetadata(ref: string, metadata: string): Promise<void> { return this.write((t) => t.setMetadata(ref, metadata)); }
  setFlag(ref: string, flag: string, value: GenericValue): Promise<void> { return this.write((t) => t.setFlag(ref, flag, value)); }
  clearFlag(ref: string, flag: string): Promise<void> { return this.write((t) => t.clearFlag(ref, flag)); }
  setBigData(ref: string, key: string, data: Uint8Array | string): Promise<void> { return this.write((t) => t.setBigData(ref, key, data)); }
  wipe(): Promise<void> { return this.write((t) => t.wipe()); }

  private async runView<R>(fn: (view: ContainerView) => R | Promise<R>): Promise<R> {
    const view = new ContainerView(this);
    try {
      return await fn(view);
    } finally {
      view.close();
    }
  }

  // ---- internals used by ContainerView (the lock is held) ----

  /** @internal */ get records(): ContainerRecord[] { return this.index.records; }
  /** @internal */ get idx(): ContainerIndex { return this.index; }

  /** @internal */
  find(ref: string): ContainerRecord {
    const rec = this.index.lookup(ref);
    if (!rec) throw new ContainerUnknownError(ref);
    return rec;
  }

  /** @internal */
  objectDir(id: string): string {
    return path.join(this.dir, id);
  }

  /** @internal */
  runObjectDir(id: string): string | undefined {
    return this.options.runDir === undefined ? undefined : path.join(path.resolve(this.options.runDir), id);
  }

  /**
   * @internal Token first, then each file whose content changed: containers.json with
   * fdatasync, volatile-containers.json without (as HEAD), only once it exists or is needed.
   */
  async save(): Promise<void> {
    if (this.readOnly) throw new ReadOnlyStoreError('saving containers');
    const stable = encodeGoJSON(this.records.filter((r) => !r.volatileFile).map(encodeContainer));
    const volatileRecs = this.records.filter((r) => r.volatileFile);
    const writes: Array<[string, string, boolean]> = [[this.file, stable, true]];
    if (volatileRecs.length > 0 || this.volatileFileSeen) {
      writes.push([this.volatileFile, encodeGoJSON(volatileRecs.map(encodeContainer)), false]);
    }
    await this.guard.commit(async () => {
      const written: string[] = [];
      for (const [file, text, sync] of writes) {
        if (this.lastWritten.get(file) === text) continue;
        await atomicWriteFile(file, text, { sync });
        this.lastWritten.set(file, text);
        written.push(file);
      }
      if (volatileRecs.length > 0) this.volatileFileSeen = true;
      return written;
    });
    this.repairPending = false;
  }

  private async load(): Promise<void> {
    const stable = await readRecordArray(this.file, decodeContainer);
    const volatile = await readRecordArray(this.volatileFile, decodeContainer);
    this.volatileFileSeen = await fs.stat(this.volatileFile).then(
      () => true,
      () => false,
    );
    const records: ContainerRecord[] = [];
    const seen = new Set<string>();
    for (const rec of stable) {
      if (seen.has(rec.id)) throw new CorruptFileError(this.file, `container ID ${JSON.stringify(rec.id)} appears twice`);
      seen.add(rec.id);
      records.push(rec);
    }
    for (const rec of volatile) {
      if (seen.has(rec.id)) continue; // HEAD: a later occurrence of an ID is skipped
      seen.add(rec.id);
      rec.volatileFile = true;
      records.push(rec);
    }
    // Same name on two records: the earlier record loses it, as in Go.
    const owner = new Map<string, ContainerRecord>();
    let repaired = false;
    for (const rec of records) {
      for (const name of rec.names) {
        const earlier = owner.get(name);
        if (earlier && earlier !== rec) {
          earlier.names = earlier.names.filter((n) => n !== name);
          repaired = true;
        }
        owner.set(name, rec);
      }
    }
    this.index = new ContainerIndex(records);
    this.lastWritten.clear(); // after a load, the next save writes every file
    this.repairPending = repaired && !this.readOnly;
  }
}

/** Lookups available under the read lock. */
export interface ContainerReader {
  list(): Container[];
  get(ref: string): Container;
  exists(ref: string): boolean;
  lookup(ref: string): string;
  byImage(imageID: string): Container[];
  bigData(ref: string, key: string): Promise<Buffer>;
  bigDataSize(ref: string, key: string): Promise<number>;
  bigDataDigest(ref: string, key: string): string;
  bigDataNames(ref: string): string[];
  containerDir(ref: string): Promise<string>;
  containerRunDir(ref: string): Promise<string>;
}

/** Changes, available under the write lock (every change is saved before it returns). */
export interface ContainerWriter extends ContainerReader {
  create(opts: CreateContainerOptions): Promise<Container>;
  delete(ref: string): Promise<void>;
  setNames(ref: string, names: string[]): Promise<Container>;
  addNames(ref: string, names: string[]): Promise<Container>;
  removeNames(ref: string, names: string[]): Promise<Container>;
  setMetadata(ref: string, metadata: string): Promise<void>;
  setFlag(ref: string, flag: string, value: GenericValue): Promise<void>;
  clearFlag(ref: string, flag: string): Promise<void>;
  setBigData(ref: string, key: string, data: Uint8Array | string): Promise<void>;
  wipe(): Promise<void>;
}

class ContainerView implements ContainerWriter {
  #open = true;
  constructor(private readonly store: ContainerStore) {}

  close(): void {
    this.#open = false;
  }

  private s(): ContainerStore {
    if (!this.#open) throw new RecordsError('ERR_VIEW_CLOSED', 'container store view used after its lock was released');
    return this.store;
  }

  list(): Container[] {
    return this.s().records.map(publicContainer);
  }

  get(ref: string): Container {
    return publicContainer(this.s().find(ref));
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

  byImage(imageID: string): Container[] {
    return this.s().records.filter((r) => r.image === imageID).map(publicContainer);
  }

  async bigData(ref: string, key: string): Promise<Buffer> {
    bigDataFileName(key, "can't retrieve container big data value for empty name"); // Go's wording and order
    const store = this.s();
    const rec = store.find(ref);
    const file = bigDataPath(store.objectDir(rec.id), key);
    try {
      return await fs.readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BigDataUnknownError('container', rec.id, key, file);
      throw err;
    }
  }

  async bigDataSize(ref: string, key: string): Promise<number> {
    bigDataFileName(key, "can't retrieve size of container big data with empty name"); // Go's wording and order
    const rec = this.s().find(ref);
    if (Object.hasOwn(rec.bigDataSizes, key)) return rec.bigDataSizes[key]!;
    try {
      return (await this.bigData(ref, key)).length;
    } catch (err) {
      if (err instanceof BigDataUnknownError) throw new SizeUnknownError(key);
      throw err;
    }
  }

  bigDataDigest(ref: string, key: string): string {
    bigDataFileName(key, "can't retrieve digest of container big data value with empty name"); // Go's wording and order
    const rec = this.s().find(ref);
    if (!Object.hasOwn(rec.bigDataDigests, key)) throw new DigestUnknownError(key);
    return rec.bigDataDigests[key]!;
  }

  bigDataNames(ref: string): string[] {
    return [...this.s().find(ref).bigDataNames];
  }

  async containerDir(ref: string): Promise<string> {
    const store = this.s();
    if (store.readOnly) throw new ReadOnlyStoreError('creating a container directory');
    const dir = path.join(store.objectDir(store.find(ref).id), 'userdata');
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  async containerRunDir(ref: string): Promise<string> {
    const store = this.s();
    const runDir = store.runObjectDir(store.find(ref).id);
    if (runDir === undefined) throw new RecordsError('ERR_NO_RUN_DIR', 'the container store was opened without a run directory');
    const dir = path.join(runDir, 'userdata');
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  async create(opts: CreateContainerOptions): Promise<Container> {
    const store = this.s();
    const idx = store.idx;
    let id = opts.id ?? '';
    if (id === '') {
      do id = generateID();
      while (idx.byID.has(id));
    }
    assertStorableID(id);
    if (idx.byID.has(id)) throw new DuplicateIDError('container', id);
    const names = dedupeNames(opts.names ?? []);
    for (const name of names) {
      const owner = idx.byName.get(name);
      if (owner) {
        throw new DuplicateNameError(
          'container',
          name,
          owner.id,
          `the container name ${JSON.stringify(name)} is already in use by ${owner.id}. You have to remove that container to be able to reuse that name: that name is already in use`,
        );
      }
    }
    const created = opts.created === undefined ? GoTime.now() : opts.created instanceof GoTime ? opts.created : GoTime.fromDate(opts.created);
    const rec: ContainerRecord = {
      id,
      names,
      image: opts.image ?? '',
      layer: opts.layer,
      metadata: opts.metadata ?? '',
      bigDataNames: [],
      bigDataSizes: Object.create(null) as Record<string, number>,
      bigDataDigests: Object.create(null) as Record<string, string>,
      created: created.isZero() ? GoTime.now() : created,
      uidMap: (opts.uidMap ?? []).map((m) => ({ ...m })),
      gidMap: (opts.gidMap ?? []).map((m) => ({ ...m })),
      flags: Object.assign(Object.create(null) as Record<string, GenericValue>, structuredClone(opts.flags ?? {})),
      volatileFile: opts.volatileFile ?? false,
      extra: [],
    };
    store.records.push(rec);
    idx.add(rec);
    for (const name of names) idx.byName.set(name, rec);
    await store.save();
    return publicContainer(rec);
  }

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

  setNames(ref: string, names: string[]): Promise<Container> {
    return this.updateNames(ref, () => dedupeNames(names));
  }

  /** New names first, then the old ones (HEAD's order). */
  addNames(ref: string, names: string[]): Promise<Container> {
    return this.updateNames(ref, (old) => dedupeNames([...names, ...old]));
  }

  removeNames(ref: string, names: string[]): Promise<Container> {
    return this.updateNames(ref, (old) => old.filter((n) => !names.includes(n)));
  }

  private async updateNames(ref: string, compute: (old: string[]) => string[]): Promise<Container> {
    const store = this.s();
    const rec = store.find(ref);
    const idx = store.idx;
    const next = compute(rec.names);
    for (const name of rec.names) if (idx.byName.get(name) === rec) idx.byName.delete(name);
    for (const name of next) {
      const other = idx.byName.get(name);
      if (other && other !== rec) other.names = other.names.filter((n) => n !== name); // the name moves
      idx.byName.set(name, rec);
    }
    rec.names = next;
    await store.save();
    return publicContainer(rec);
  }

  async setMetadata(ref: string, metadata: string): Promise<void> {
    const store = this.s();
    store.find(ref).metadata = metadata;
    await store.save();
  }

  async setFlag(ref: string, flag: string, value: GenericValue): Promise<void> {
    const store = this.s();
    store.find(ref).flags[flag] = structuredClone(value);
    await store.save();
  }

  async clearFlag(ref: string, flag: string): Promise<void> {
    const store = this.s();
    delete store.find(ref).flags[flag];
    await store.save();
  }

  async setBigData(ref: string, key: string, data: Uint8Array | string): Promise<void> {
    bigDataFileName(key, "can't set empty name for container big data item"); // Go checks the key before the container
    const store = this.s();
    const rec = store.find(ref);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const { digest } = await writeBigDataFile(store.objectDir(rec.id), key, bytes);
    const changed =
      rec.bigDataSizes[key] !== bytes.length || rec.bigDataDigests[key] !== digest || !rec.bigDataNames.includes(key);
    rec.bigDataSizes[key] = bytes.length;
    rec.bigDataDigests[key] = digest;
    if (!rec.bigDataNames.includes(key)) rec.bigDataNames.push(key);
    if (changed) await store.save();
  }

  async wipe(): Promise<void> {
    for (const rec of [...this.s().records]) await this.delete(rec.id);
  }
}

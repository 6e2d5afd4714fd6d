import { statSync } from 'node:fs';
import path from 'node:path';
import {
  RecordStore,
  RecordView,
  atomicWriteFile,
  encodeGoJSON,
  readRecordArray,
  type IDMap,
  type NewRecordOptions,
  type RecordReader,
  type RecordStoreOptions,
  type RecordWriter,
} from '@cs/records';
import { ContainerIndex } from './container-index.js';
import { decodeContainer, encodeContainer, publicContainer, type Container, type ContainerRecord } from './container-record.js';
import { ContainerUnknownError } from './errors.js';

export interface ContainerStoreOptions extends RecordStoreOptions {
  /** `$RUNROOT/$DRV-containers`: run directories live there. */
  runDir?: string;
  /** Reads only (e.g. inspecting someone else's store). */
  readOnly?: boolean;
  /**
   * HEAD transient store: `containers.lock` and `volatile-containers.json` live in `runDir`
   * (containers.json, big data and userdata stay in the store dir), and new records go to the
   * volatile file unless `volatileFile: false`.
   */
  transient?: boolean;
}

/** `id`, `names`, `metadata`, `created`, `flags` as for every record; then the container's own. */
export interface CreateContainerOptions extends NewRecordOptions {
  /** Image ID ('' or absent: no image). */
  image?: string;
  /** The container's read-write layer (created by the caller). */
  layer: string;
  uidMap?: IDMap[];
  gidMap?: IDMap[];
  /**
   * Put the record in volatile-containers.json (HEAD ≥1.45 behaviour, written without fsync).
   * Go 1.43 does not read that file, so the default is containers.json (transient stores: the
   * volatile file).
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
export class ContainerStore extends RecordStore<ContainerRecord, Container, ContainerIndex, ContainerReader, ContainerWriter> {
  #volatileFileSeen = false;
  readonly #lastWritten = new Map<string, string>();

  private constructor(dir: string, options: ContainerStoreOptions) {
    super(dir, options, 'container', FILE, LOCK);
  }

  static open(dir: string, options: ContainerStoreOptions = {}): Promise<ContainerStore> {
    if (options.transient && options.runDir === undefined) {
      return Promise.reject(new TypeError('a transient container store needs a runDir'));
    }
    const lockDir = options.transient ? options.runDir : options.lockDir;
    return new ContainerStore(dir, { ...options, lockDir }).init();
  }

  get transient(): boolean {
    return (this.options as ContainerStoreOptions).transient ?? false;
  }

  /** `volatile-containers.json`: beside containers.json, or in the run dir for a transient store. */
  get volatileFile(): string {
    return path.join(this.transient ? path.resolve(this.options.runDir!) : this.dir, VOLATILE_FILE);
  }

  // One-call conveniences beyond those of every record store, each under its own lock.
  byImage(imageID: string): Promise<Container[]> { return this.read((t) => t.byImage(imageID)); }
  containerDir(ref: string): Promise<string> { return this.read((t) => t.containerDir(ref)); }
  containerRunDir(ref: string): Promise<string> { return this.read((t) => t.containerRunDir(ref)); }
  create(opts: CreateContainerOptions): Promise<Container> { return this.write((t) => t.create(opts)); }

  protected newView(): ContainerView {
    return new ContainerView(this);
  }

  protected unknownError(ref: string): Error {
    return new ContainerUnknownError(ref);
  }

  protected newIndex(records: ContainerRecord[]): ContainerIndex {
    return new ContainerIndex(records);
  }

  protected async readRecords(): Promise<ContainerRecord[]> {
    const stable = await readRecordArray(this.file, decodeContainer);
    const volatile = await readRecordArray(this.volatileFile, decodeContainer);
    this.#volatileFileSeen = statsOk(this.volatileFile);
    const seen = new Set<string>();
    this.rejectDuplicateIDs(stable, this.file, seen);
    const records = [...stable];
    for (const rec of volatile) {
      if (seen.has(rec.id)) continue; // HEAD: a later occurrence of an ID is skipped
      seen.add(rec.id);
      rec.volatileFile = true;
      records.push(rec);
    }
    // A save rewrites only the files whose records changed (as HEAD); a missing file counts as
    // empty, so a transient store does not create containers.json for its volatile records.
    this.#lastWritten.clear();
    this.#lastWritten.set(this.file, encodeGoJSON(stable.map(encodeContainer)));
    this.#lastWritten.set(this.volatileFile, encodeGoJSON(records.filter((r) => r.volatileFile).map(encodeContainer)));
    return records;
  }

  /**
   * Each file whose content changed: containers.json with fdatasync, volatile-containers.json
   * without (as HEAD), only once it exists or is needed.
   */
  protected async writeFiles(): Promise<readonly string[]> {
    const stable = encodeGoJSON(this.records.filter((r) => !r.volatileFile).map(encodeContainer));
    const volatileRecs = this.records.filter((r) => r.volatileFile);
    const writes: Array<[string, string, boolean]> = [[this.file, stable, true]];
    if (volatileRecs.length > 0 || this.#volatileFileSeen) {
      writes.push([this.volatileFile, encodeGoJSON(volatileRecs.map(encodeContainer)), false]);
    }
    const written: string[] = [];
    for (const [file, text, sync] of writes) {
      if (this.#lastWritten.get(file) === text) continue;
      await atomicWriteFile(file, text, { sync });
      this.#lastWritten.set(file, text);
      written.push(file);
    }
    if (volatileRecs.length > 0) this.#volatileFileSeen = true;
    return written;
  }
}

/** Lookups available under the read lock (`ref` = ID, name, layer ID or unique ID prefix). */
export interface ContainerReader extends RecordReader<Container> {
  byImage(imageID: string): Container[];
  containerDir(ref: string): Promise<string>;
  containerRunDir(ref: string): Promise<string>;
}

/** Changes, available under the write lock (every change is saved before it returns). */
export interface ContainerWriter extends ContainerReader, RecordWriter<Container> {
  create(opts: CreateContainerOptions): Promise<Container>;
}

class ContainerView extends RecordView<ContainerRecord, Container, ContainerIndex> implements ContainerWriter {
  // Go's wording; Go checks these keys before looking up the container.
  protected override readonly readKeyContexts = {
    read: "can't retrieve container big data value for empty name",
    size: "can't retrieve size of container big data with empty name",
    digest: "can't retrieve digest of container big data value with empty name",
  };

  protected toPublic(rec: ContainerRecord): Container {
    return publicContainer(rec);
  }

  protected override duplicateNameMessage(name: string, ownerID: string): string {
    return `the container name ${JSON.stringify(name)} is already in use by ${ownerID}. You have to remove that container to be able to reuse that name: that name is already in use`;
  }

  byImage(imageID: string): Container[] {
    return this.s().records.filter((r) => r.image === imageID).map(publicContainer);
  }

  containerDir(ref: string): Promise<string> {
    return this.userDir(ref);
  }

  containerRunDir(ref: string): Promise<string> {
    return this.runUserDir(ref);
  }

  create(opts: CreateContainerOptions): Promise<Container> {
    return this.insert(opts, (shared) => ({
      ...shared,
      image: opts.image ?? '',
      layer: opts.layer,
      uidMap: (opts.uidMap ?? []).map((m) => ({ ...m })),
      gidMap: (opts.gidMap ?? []).map((m) => ({ ...m })),
      volatileFile: opts.volatileFile ?? (this.s().options as ContainerStoreOptions).transient ?? false,
    }));
  }
}

/** One stat, inline (a thread-pool round trip costs more than the syscall); any error is "absent". */
function statsOk(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { GenericValue } from './decode.js';
import { CorruptFileError, ReadOnlyStoreError } from './errors.js';
import { GuardedFiles } from './guarded-files.js';
import type { RecordIndex } from './record-index.js';
import type { RecordKind } from './store-errors.js';
import type { RecordReader, RecordWriter, StoredRecord } from './stored-record.js';

export interface RecordStoreOptions {
  /** Additional stores: read lock only, no writes. */
  readOnly?: boolean;
  /** `$RUNROOT/$DRV-<kind>s`: the records' run directories. */
  runDir?: string;
  /** Where the lock file lives when not beside the records (HEAD transient store: the run dir). */
  lockDir?: string;
}

/** What a RecordView needs of its store while the lock is held. */
export interface RecordStoreCore<Rec extends StoredRecord, Idx extends RecordIndex<Rec>> {
  readonly kind: RecordKind;
  readonly readOnly: boolean;
  readonly options: RecordStoreOptions;
  readonly records: Rec[];
  readonly idx: Idx;
  find(ref: string): Rec;
  objectDir(id: string): string;
  runObjectDir(id: string): string | undefined;
  save(): Promise<void>;
}

/**
 * The shared base of the image and container stores: a JSON record file (or two) and
 * per-record big-data directories in one directory, guarded by one lock file. Each method takes
 * the lock itself (read for lookups, write for changes); `read(fn)` / `write(fn)` run several
 * steps under one lock, through a view that is valid until `fn` returns. A subclass says how its
 * records are read, written, indexed and shown, and how its view looks.
 */
export abstract class RecordStore<
  Rec extends StoredRecord,
  Pub,
  Idx extends RecordIndex<Rec>,
  Reader extends RecordReader<Pub>,
  Writer extends Reader & RecordWriter<Pub>,
> implements RecordStoreCore<Rec, Idx>
{
  readonly dir: string;
  #index: Idx;
  #guard!: GuardedFiles;
  #repairPending = false;

  protected constructor(
    dir: string,
    readonly options: RecordStoreOptions,
    /** @internal */ readonly kind: RecordKind,
    private readonly fileName: string,
    private readonly lockName: string,
  ) {
    this.dir = path.resolve(dir);
    this.#index = this.newIndex([]);
  }

  /** Creates the directory (unless read-only) and opens the lock file; each subclass's `open` ends here. */
  protected async init(): Promise<this> {
    const lockDir = path.resolve(this.options.lockDir ?? this.dir);
    if (!this.readOnly) {
      // Cheap metadata syscalls: inline, as GuardedFiles does, rather than thread-pool round trips.
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      mkdirSync(lockDir, { recursive: true, mode: 0o700 });
    }
    this.#guard = await GuardedFiles.open({
      lockPath: path.join(lockDir, this.lockName),
      readOnly: this.readOnly,
      load: () => this.#load(),
    });
    return this;
  }

  get readOnly(): boolean {
    return this.options.readOnly ?? false;
  }

  /** Path of the record file (images.json, containers.json). */
  get file(): string {
    return path.join(this.dir, this.fileName);
  }

  async close(): Promise<void> {
    await this.#guard.close();
  }

  /** Run `fn` under the read lock; `fn` gets a view valid until it returns. */
  read<T>(fn: (view: Reader) => T | Promise<T>): Promise<T> {
    return this.#guard.read(() => this.#runView(fn));
  }

  /** Run `fn` under the write lock; `fn` gets a view valid until it returns. */
  write<T>(fn: (view: Writer) => T | Promise<T>): Promise<T> {
    return this.#guard.write(`${this.kind} store`, async () => {
      if (this.#repairPending) await this.save();
      return this.#runView(fn);
    });
  }

  // One-call conveniences, each under its own lock.
  list(): Promise<Pub[]> { return this.read((t) => t.list()); }
  get(ref: string): Promise<Pub> { return this.read((t) => t.get(ref)); }
  exists(ref: string): Promise<boolean> { return this.read((t) => t.exists(ref)); }
  lookup(ref: string): Promise<string> { return this.read((t) => t.lookup(ref)); }
  bigData(ref: string, key: string): Promise<Buffer> { return this.read((t) => t.bigData(ref, key)); }
  bigDataSize(ref: string, key: string): Promise<number> { return this.read((t) => t.bigDataSize(ref, key)); }
  bigDataDigest(ref: string, key: string): Promise<string> { return this.read((t) => t.bigDataDigest(ref, key)); }
  bigDataNames(ref: string): Promise<string[]> { return this.read((t) => t.bigDataNames(ref)); }
  delete(ref: string): Promise<void> { return this.write((t) => t.delete(ref)); }
  setNames(ref: string, names: string[]): Promise<Pub> { return this.write((t) => t.setNames(ref, names)); }
  addNames(ref: string, names: string[]): Promise<Pub> { return this.write((t) => t.addNames(ref, names)); }
  removeNames(ref: string, names: string[]): Promise<Pub> { return this.write((t) => t.removeNames(ref, names)); }
  setMetadata(ref: string, metadata: string): Promise<void> { return this.write((t) => t.setMetadata(ref, metadata)); }
  setFlag(ref: string, flag: string, value: GenericValue): Promise<void> { return this.write((t) => t.setFlag(ref, flag, value)); }
  clearFlag(ref: string, flag: string): Promise<void> { return this.write((t) => t.clearFlag(ref, flag)); }
  setBigData(ref: string, key: string, data: Uint8Array | string): Promise<void> { return this.write((t) => t.setBigData(ref, key, data)); }
  wipe(): Promise<void> { return this.write((t) => t.wipe()); }

  async #runView<T>(fn: (view: Writer) => T | Promise<T>): Promise<T> {
    const view = this.newView();
    try {
      return await fn(view);
    } finally {
      view.close();
    }
  }

  // ---- what a subclass provides ----

  /** A view over this store for one locked call. */
  protected abstract newView(): Writer & { close(): void };
  /** The error for a reference that matches no record. */
  protected abstract unknownError(ref: string): Error;
  /** The lookup tables over freshly loaded records. */
  protected abstract newIndex(records: Rec[]): Idx;
  /** Reads and decodes the record file(s); called under the lock. */
  protected abstract readRecords(): Promise<Rec[]>;
  /** Writes the record file(s) and returns the paths written; called under the write lock, after the token. */
  protected abstract writeFiles(): Promise<readonly string[]>;

  /** Throws CorruptFileError when an ID appears twice in `records` (or is already in `seen`). */
  protected rejectDuplicateIDs(records: readonly Rec[], file: string, seen = new Set<string>()): void {
    for (const rec of records) {
      if (seen.has(rec.id)) throw new CorruptFileError(file, `${this.kind} ID ${JSON.stringify(rec.id)} appears twice`);
      seen.add(rec.id);
    }
  }

  // ---- internals used by views (the lock is held) ----

  /** @internal */ get records(): Rec[] { return this.#index.records; }
  /** @internal */ get idx(): Idx { return this.#index; }

  /** @internal */
  find(ref: string): Rec {
    const rec = this.#index.lookup(ref);
    if (!rec) throw this.unknownError(ref);
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

  /** @internal Token first, then the record file(s). */
  async save(): Promise<void> {
    if (this.readOnly) throw new ReadOnlyStoreError(`saving ${this.kind}s`);
    await this.#guard.commit(() => this.writeFiles());
    this.#repairPending = false;
  }

  async #load(): Promise<void> {
    const records = await this.readRecords();
    // Same name on two records: the earlier record loses it, as in Go.
    const owner = new Map<string, Rec>();
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
    this.#index = this.newIndex(records);
    // Persisted by the next write (a reader cannot save; it serves the repaired view).
    this.#repairPending = repaired && !this.readOnly;
  }
}

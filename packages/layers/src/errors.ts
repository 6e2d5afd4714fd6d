import { BigDataUnknownError, DuplicateIDError, DuplicateNameError } from '@cs/records';

/**
 * Typed errors of the layer store. Every class carries a stable `code` for programs; messages keep
 * the upstream substrings (cli.md §6) so a CLI can print them unchanged.
 */
export class LayerStoreError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** No layer has this ID, name or ID prefix (upstream `ErrLayerUnknown`). */
export class LayerUnknownError extends LayerStoreError {
  readonly ref: string;
  constructor(ref: string, code = 'ERR_LAYER_UNKNOWN', message = 'layer not known') {
    super(code, message);
    this.ref = ref;
  }
}

/**
 * An ID prefix matches more than one layer. It is a LayerUnknownError too (upstream reports
 * "layer not known"), with its own code so callers can tell the two apart.
 */
export class AmbiguousLayerIDError extends LayerUnknownError {
  readonly matches: number;
  constructor(ref: string, matches: number) {
    super(ref, 'ERR_LAYER_ID_AMBIGUOUS', `ID prefix "${ref}" matches ${matches} layers: layer not known`);
    this.matches = matches;
  }
}

/** A layer with this ID already exists (upstream `ErrDuplicateID`; the shared class of @cs/records). */
export class DuplicateLayerIDError extends DuplicateIDError {
  constructor(id: string) {
    super('layer', id);
    this.name = 'DuplicateLayerIDError';
  }
}

/** Another layer already has this name (upstream `ErrDuplicateName`; the shared class of @cs/records). */
export class DuplicateLayerNameError extends DuplicateNameError {
  constructor(layerName: string, owner: string) {
    super('layer', layerName, owner);
    this.name = 'DuplicateLayerNameError';
  }
}

/** A caller-supplied ID that cannot be used as a directory and file name. */
export class InvalidLayerIDError extends LayerStoreError {
  constructor(id: string, why: string) {
    super('ERR_INVALID_LAYER_ID', `invalid layer ID ${JSON.stringify(id)}: ${why}`);
  }
}

/** Deleting a layer that other layers build on (upstream `ErrLayerHasChildren`, worded as Go's store.DeleteLayer). */
export class LayerHasChildrenError extends LayerStoreError {
  readonly child: string;
  constructor(id: string, child: string) {
    super('ERR_LAYER_HAS_CHILDREN', `used by layer ${child}: layer has children`);
    this.child = child;
  }
}

/**
 * A layer is in use and the operation needs it idle: mounted (`by: 'mount'`), or, as decided by a
 * caller that knows about images and containers, used by one of them.
 */
export class LayerInUseError extends LayerStoreError {
  readonly by: 'mount' | 'image' | 'container';
  readonly user: string;
  constructor(id: string, by: 'mount' | 'image' | 'container', user = '') {
    const text =
      by === 'mount'
        ? `layer ${id} is mounted: layer is in use`
        : `layer ${id} used by ${by} ${user}: layer is in use by ${by === 'image' ? 'an image' : 'a container'}`;
    super('ERR_LAYER_IN_USE', text);
    this.by = by;
    this.user = user;
  }
}

/** A layer big-data item that does not exist (the shared BigDataUnknownError, code 'ERR_BIG_DATA_UNKNOWN'). */
export class LayerDataNotFoundError extends BigDataUnknownError {
  constructor(id: string, key: string) {
    super('layer', id, key);
    this.name = 'LayerDataNotFoundError';
    // cli.md §3.44 wording for layers.
    this.message = `locating item named ${JSON.stringify(key)} for layer with ID ${JSON.stringify(id)}: file does not exist`;
  }
}

/** Diff output in a compression that cannot be written (bzip2, xz). */
export class UnsupportedDiffCompressionError extends LayerStoreError {
  constructor(name: string) {
    super('ERR_UNSUPPORTED_COMPRESSION', `unsupported compression format ${name}`);
  }
}

/** The driver has no staging area (upstream: a driver that is not a DriverWithDiffer, e.g. vfs). */
export class StagingNotSupportedError extends LayerStoreError {
  readonly driver: string;
  constructor(driver: string) {
    super('ERR_STAGING_NOT_SUPPORTED', `graph driver ${driver} does not support partial pull`);
    this.driver = driver;
  }
}

/** The store was closed and cannot be used any more. */
export class LayerStoreClosedError extends LayerStoreError {
  constructor() {
    super('ERR_LAYER_STORE_CLOSED', 'the layer store was closed');
  }
}

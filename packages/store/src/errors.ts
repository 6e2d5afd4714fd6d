/**
 * Typed errors raised by the Store itself. Errors of the lower stores (LayerUnknownError,
 * ImageUnknownError, DuplicateNameError, CorruptFileError, …) pass through unchanged; each class
 * carries a stable `code`. Messages keep the upstream texts (cli.md §6) so a CLI can print them.
 */
export class StoreError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** storage.conf could not be read or holds a value of the wrong type. */
export class ConfigError extends StoreError {
  readonly file: string;
  constructor(file: string, detail: string, options?: { cause?: unknown }) {
    super('ERR_STORE_CONFIG', `${file}: ${detail}`, options);
    this.file = file;
  }
}

/** Neither a graph root nor a run root was given (upstream ErrIncompleteOptions). */
export class IncompleteOptionsError extends StoreError {
  constructor() {
    super('ERR_INCOMPLETE_OPTIONS', 'no storage runroot or graphroot specified: missing necessary StoreOptions');
  }
}

/** Store options that contradict each other. */
export class InvalidOptionsError extends StoreError {
  constructor(detail: string) {
    super('ERR_INVALID_OPTIONS', detail);
  }
}

/** A malformed ID map string ("container:host:size[:…]"). */
export class InvalidIDMapError extends StoreError {
  constructor(kind: 'uid' | 'gid', value: string) {
    super('ERR_INVALID_ID_MAP', `${kind} setting is malformed expected ["uint32:uint32:uint32"]: [${JSON.stringify(value)}]`);
  }
}

/** Several driver homes exist in the graph root and no driver was configured. */
export class DriverAmbiguousError extends StoreError {
  constructor(found: string[]) {
    super(
      'ERR_DRIVER_AMBIGUOUS',
      `${found.join(', ')} storage drivers are present in the graph root; set "driver" in storage.conf or pass one`,
    );
  }
}

/** The Store was shut down (or never opened). */
export class StoreClosedError extends StoreError {
  constructor() {
    super('ERR_STORE_CLOSED', 'the store was shut down');
  }
}

/** A layer is still mounted when shutdown or another idle-only operation runs (upstream ErrLayerUsedByContainer). */
export class LayerMountedError extends StoreError {
  readonly layers: string[];
  constructor(layers: string[]) {
    super('ERR_LAYER_MOUNTED', 'a layer is mounted: layer is in use by a container');
    this.layers = layers;
  }
}

/** The reference names none of the kinds the operation accepts. */
export class NotFoundError extends StoreError {
  readonly ref: string;
  constructor(ref: string, what: 'layer' | 'image' | 'container' | 'any') {
    const text =
      what === 'any'
        ? 'identifier is not a layer, image, or container'
        : what === 'layer'
          ? 'identifier is not a layer'
          : what === 'image'
            ? 'identifier is not an image'
            : 'identifier is not a container';
    super(what === 'any' ? 'ERR_NOT_FOUND' : `ERR_NOT_A_${what.toUpperCase()}`, text);
    this.ref = ref;
  }
}

/** An image is used by a container and cannot be deleted (upstream ErrImageUsedByContainer). */
export class ImageInUseError extends StoreError {
  readonly container: string;
  constructor(container: string) {
    super('ERR_IMAGE_IN_USE', `image used by ${container}: image is in use by a container`);
    this.container = container;
  }
}

/** A container ID or name is taken (upstream ErrDuplicateName / ErrDuplicateID for containers). */
export class ContainerNameInUseError extends StoreError {
  constructor(name: string, owner: string) {
    super(
      'ERR_DUPLICATE_NAME',
      `the container name "${name}" is already in use by ${owner}. You have to remove that container to be able to reuse that name: that name is already in use`,
    );
  }
}

/** A Store operation that needs a lower package's feature that does not exist yet. */
export class NotSupportedError extends StoreError {
  constructor(what: string) {
    super('ERR_NOT_SUPPORTED', `${what}: not supported`);
  }
}

/** A layer cannot be built on a container's read-write layer (upstream ErrParentIsContainer). */
export class ParentIsContainerError extends StoreError {
  readonly container: string;
  constructor(container: string) {
    super('ERR_PARENT_IS_CONTAINER', 'would-be parent layer is a container');
    this.container = container;
  }
}

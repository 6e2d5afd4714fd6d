import { describe, expect, it } from 'vitest';
import { DuplicateIDError, DuplicateNameError } from '../src/store-errors.js';
import { ReadOnlyStoreError } from '../src/errors.js';

// The texts are Go's, as the CLI prints them (cli.md §3.15, §3.17, §3.18, §3.50).
describe('store error texts match Go', () => {
  it('duplicate IDs: only images add context', () => {
    expect(new DuplicateIDError('layer', 'x').message).toBe('that ID is already in use');
    expect(new DuplicateIDError('container', 'x').message).toBe('that ID is already in use');
    expect(new DuplicateIDError('image', 'img1').message).toBe('an image with ID "img1" already exists: that ID is already in use');
    expect(new DuplicateIDError('image', 'img1').code).toBe('ERR_DUPLICATE_ID');
  });

  it('duplicate names: bare for layers, with the owner for images, the caller\'s text when given', () => {
    expect(new DuplicateNameError('layer', 'n', 'id1').message).toBe('that name is already in use');
    expect(new DuplicateNameError('image', 'in', 'img2').message).toBe('image name "in" is already associated with image "img2": that name is already in use');
    expect(new DuplicateNameError('container', 'c', 'id', 'custom').message).toBe('custom');
    expect(new DuplicateNameError('layer', 'n', 'id1').code).toBe('ERR_DUPLICATE_NAME');
  });

  it('read-only store: context first, then the sentinel', () => {
    const err = new ReadOnlyStoreError('mounting read/only store images is not allowed');
    expect(err.message).toBe('mounting read/only store images is not allowed: called a write method on a read-only store');
    expect(err.code).toBe('ERR_READ_ONLY_STORE');
  });
});

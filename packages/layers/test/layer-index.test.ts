import { describe, expect, it } from 'vitest';
import { AmbiguousLayerIDError, LayerUnknownError } from '../src/errors.js';
import { emptyLayer } from '../src/layer-codec.js';
import { LayerIndex } from '../src/layer-index.js';

function layer(id: string, names: string[] = [], digest = '') {
  const l = emptyLayer(id);
  l.names = names;
  l.uncompressedDigest = digest;
  l.compressedDigest = digest;
  return l;
}

describe('LayerIndex', () => {
  const a = layer('abc111', ['base'], 'sha256:aa');
  const b = layer('abc222', ['abc111x'], 'sha256:aa');
  const c = layer('def333', [], 'sha256:cc');
  const index = new LayerIndex([a, b, c]);

  it('resolves exact ID, then exact name, then a unique prefix', () => {
    expect(index.resolve('abc111')).toBe(a);
    expect(index.resolve('base')).toBe(a);
    expect(index.resolve('abc111x')).toBe(b);
    expect(index.resolve('abc2')).toBe(b);
    expect(index.resolve('d')).toBe(c);
  });

  it('reports an ambiguous prefix with its own code, and unknown references', () => {
    expect(() => index.resolve('abc')).toThrow(AmbiguousLayerIDError);
    try {
      index.resolve('abc');
    } catch (err) {
      expect((err as AmbiguousLayerIDError).code).toBe('ERR_LAYER_ID_AMBIGUOUS');
      expect((err as AmbiguousLayerIDError).matches).toBe(2);
      expect(err).toBeInstanceOf(LayerUnknownError);
    }
    for (const ref of ['zzz', '', 'abc 1']) {
      try {
        index.resolve(ref);
        expect.unreachable();
      } catch (err) {
        expect((err as LayerUnknownError).code).toBe('ERR_LAYER_UNKNOWN');
        expect((err as Error).message).toBe('layer not known');
      }
    }
  });

  it('indexes digests and forgets removed layers everywhere', () => {
    const idx = new LayerIndex([layer('x1', ['n1'], 'sha256:d'), layer('x2', [], 'sha256:d')]);
    expect(idx.byUncompressedDigest.get('sha256:d')).toEqual(['x1', 'x2']);
    const x1 = idx.resolve('x1');
    idx.remove(x1);
    expect(idx.byUncompressedDigest.get('sha256:d')).toEqual(['x2']);
    expect(() => idx.resolve('n1')).toThrow(LayerUnknownError);
    expect(idx.resolve('x')).toBe(idx.byID.get('x2'));
    idx.updateDigests(idx.byID.get('x2')!, () => {
      idx.byID.get('x2')!.uncompressedDigest = 'sha256:e';
    });
    expect(idx.byUncompressedDigest.has('sha256:d')).toBe(false);
    expect(idx.byUncompressedDigest.get('sha256:e')).toEqual(['x2']);
  });

  it('keeps IDs with spaces reachable by exact ID only', () => {
    const idx = new LayerIndex([layer('has space')]);
    expect(idx.resolve('has space').id).toBe('has space');
    expect(() => idx.resolve('has')).toThrow(LayerUnknownError);
  });
});

import { describe, expect, it } from 'vitest';
import { CorruptFileError, decodeRecordArray, encodeGoJSON } from '@cs/records';
import { decodeLayer, encodeLayer, emptyLayer } from '../src/layer-codec.js';
import { decodeMount, encodeMount } from '../src/mountpoints-codec.js';

// Captured from the Go CLI 1.43 (on-disk.md §2.2).
const CAPTURED =
  '[{"id":"4978ea291983520d02c4443b943a27514fb1d46a2e6a44ec5ccee9b840a01a3b","names":["base-layer"],"created":"2026-11-27T21:24:20.468779774Z","compressed-diff-digest":"sha256:dba3ddfb004b29e838927af7315e5cab52f69d99d6da30098f05ff41b89a1448","compressed-size":261,"diff-digest":"sha256:4765755a860ba4dcaa7b4d2b62010aaa0fb4ce317ed7c7dad4444adfd17ee899","diff-size":10240,"compression":2,"uidset":[0,1000],"gidset":[0,1000]},' +
  '{"id":"62fb01a1d695223e869e42f12d01cb37aeaeb7a365f1f7214cdb70ae019f96c3","names":["second"],"parent":"4978ea291983520d02c4443b943a27514fb1d46a2e6a44ec5ccee9b840a01a3b","created":"2026-11-27T21:24:23.052747094Z","compressed-diff-digest":"sha256:ebde4e2f0a8bbaa64ee1faf1a1d0498bec0ccb67bf37976d77cedde03f8e61bd","compressed-size":10240,"diff-digest":"sha256:ebde4e2f0a8bbaa64ee1faf1a1d0498bec0ccb67bf37976d77cedde03f8e61bd","diff-size":10240,"uidset":[0],"gidset":[0]},' +
  '{"id":"10ff717aa2579768a86fed3ba27f08179cdc736cafd03fa8296996f26c10aede","parent":"62fb01a1d695223e869e42f12d01cb37aeaeb7a365f1f7214cdb70ae019f96c3","created":"2026-11-27T21:24:57.355069933Z"},' +
  '{"id":"341451967e3250b69b4778cbd6ba8fc311406eb34d399569c7ba31a38546b029","parent":"2cfe580e","created":"2026-11-27T21:26:18.899446568Z","compressed-diff-digest":"sha256:ebde4e2f0a8bbaa64ee1faf1a1d0498bec0ccb67bf37976d77cedde03f8e61bd","compressed-size":10240,"diff-digest":"sha256:ebde4e2f0a8bbaa64ee1faf1a1d0498bec0ccb67bf37976d77cedde03f8e61bd","diff-size":10240,"uidset":[0],"gidset":[0],"uidmap":[{"container_id":0,"host_id":100000,"size":65536}],"gidmap":[{"container_id":0,"host_id":100000,"size":65536}]}]';

const decode = (text: string) => decodeRecordArray('layers.json', Buffer.from(text), decodeLayer);
const encode = (layers: ReturnType<typeof decode>) => encodeGoJSON(layers.map(encodeLayer));

describe('layers.json records', () => {
  it('decodes the records Go wrote and writes them back byte for byte', () => {
    const layers = decode(CAPTURED);
    expect(layers).toHaveLength(4);
    expect(layers[0]!.names).toEqual(['base-layer']);
    expect(layers[0]!.compression).toBe(2);
    expect(layers[0]!.uidset).toEqual([0, 1000]);
    expect(layers[1]!.parent).toBe(layers[0]!.id);
    expect(layers[3]!.uidMap).toEqual([{ containerID: 0, hostID: 100000, size: 65536 }]);
    expect(layers[2]!.created.toString()).toBe('2026-11-27T21:24:57.355069933Z');
    expect(encode(layers)).toBe(CAPTURED);
  });

  it('keeps unknown members and generic flags on rewrite (maps re-encoded with sorted keys)', () => {
    const text =
      '[{"id":"a","created":"2026-01-02T03:04:05Z","flags":{"z":1.5,"incomplete":true,"nested":{"b":[1,"x"],"a":null}},"toc-digest":"sha256:00","future-member":{"k":[1,2]}}]';
    const [layer] = decode(text);
    expect(layer!.flags).toEqual({ z: 1.5, incomplete: true, nested: { b: [1, 'x'], a: null } });
    expect(layer!.tocDigest).toBe('sha256:00');
    expect(encode([layer!])).toBe(
      '[{"id":"a","created":"2026-01-02T03:04:05Z","toc-digest":"sha256:00","flags":{"incomplete":true,"nested":{"a":null,"b":[1,"x"]},"z":1.5},"future-member":{"k":[1,2]}}]',
    );
  });

  it('matches member names case-insensitively like Go and treats null as the zero value', () => {
    const [layer] = decode('[{"ID":"abc","Names":null,"PARENT":"p","created":"2026-01-02T03:04:05.5+02:00","compression":null}]');
    expect(layer!.id).toBe('abc');
    expect(layer!.names).toEqual([]);
    expect(layer!.parent).toBe('p');
    expect(layer!.created.toString()).toBe('2026-01-02T03:04:05.5+02:00');
    expect(encode([layer!])).toBe('[{"id":"abc","parent":"p","created":"2026-01-02T03:04:05.5+02:00"}]');
  });

  it('writes a new record with the zero time and omits every empty member', () => {
    expect(encode([emptyLayer('x')])).toBe('[{"id":"x","created":"0001-01-01T00:00:00Z"}]');
  });

  it('escapes <, > and & as Go does', () => {
    const layer = emptyLayer('x');
    layer.metadata = '<a&b>';
    expect(encode([layer])).toBe('[{"id":"x","metadata":"\\u003ca\\u0026b\\u003e","created":"0001-01-01T00:00:00Z"}]');
  });

  it.each([
    ['a string where Go wants an int', '[{"id":"a","compression":"gzip"}]', /compression/],
    ['a fraction in an int64', '[{"id":"a","diff-size":1.5}]', /diff-size/],
    ['a negative uid', '[{"id":"a","uidset":[-1]}]', /uidset/],
    ['an empty created', '[{"id":"a","created":""}]', /created/],
    ['a record without id', '[{"names":["x"]}]', /id/],
    ['a record that is not an object', '[{"id":"a"},42]', /record 1/],
    ['a truncated file', '[{"id":"a","names":["x"', /.+/],
    ['an object at the top', '{"id":"a"}', /array/],
    ['names that are not strings', '[{"id":"a","names":[1]}]', /names/],
    ['an ID map that is not an object', '[{"id":"a","uidmap":[[0,1,2]]}]', /uidmap/],
  ])('refuses %s instead of dropping records', (_what, text, detail) => {
    let caught: unknown;
    try {
      decode(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CorruptFileError);
    expect((caught as CorruptFileError).code).toBe('ERR_CORRUPT_STORE_FILE');
    expect((caught as CorruptFileError).message).toMatch(detail);
  });

  it('treats an empty file and null as an empty store', () => {
    expect(decode('')).toEqual([]);
    expect(decode('null')).toEqual([]);
    expect(decode('[]')).toEqual([]);
  });
});

describe('mountpoints.json records', () => {
  it('round-trips the captured shape', () => {
    const text = '[{"id":"62fb","path":"/g/overlay/62fb/merged","count":2},{"id":"10ff","path":"/g/overlay/10ff/merged","count":1}]';
    const recs = decodeRecordArray('mountpoints.json', Buffer.from(text), decodeMount);
    expect(recs[0]).toEqual({ id: '62fb', path: '/g/overlay/62fb/merged', count: 2 });
    expect(encodeGoJSON(recs.map(encodeMount))).toBe(text);
  });

  it('refuses a count that is not an integer', () => {
    expect(() => decodeRecordArray('mountpoints.json', Buffer.from('[{"id":"a","path":"/x","count":"2"}]'), decodeMount)).toThrow(
      CorruptFileError,
    );
  });
});

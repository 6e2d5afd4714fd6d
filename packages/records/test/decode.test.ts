import { describe, expect, it } from 'vitest';
import { parseJSON } from '../src/json-parse.js';
import { readGenericMap, readInt, readMap, readString, readStringArray, readTime, splitMembers, genericToGo } from '../src/decode.js';
import { readIDMaps, idMapsToGo } from '../src/id-map.js';
import { encodeGoJSON } from '../src/json-encode.js';

describe('splitMembers', () => {
  it('matches names exactly first, then case-insensitively, later duplicates winning; keeps unknown members', () => {
    const v = parseJSON('{"ID":"upper","Names":["a"],"toc-digest":"sha256:x","future":{"z":1,"a":2},"names":["b"]}');
    const { known, unknown } = splitMembers(v, ['id', 'names'], 'record 0');
    expect(known.get('id')).toBe('upper');
    expect(readStringArray(known.get('names'), 'names')).toEqual(['b']);
    expect(unknown.map(([k]) => k)).toEqual(['toc-digest', 'future']);
    // unknown members are written back as read (nested order kept, number texts kept)
    expect(encodeGoJSON(Object.fromEntries(unknown))).toBe('{"toc-digest":"sha256:x","future":{"z":1,"a":2}}');
  });

  it('refuses a record that is not an object', () => {
    expect(() => splitMembers(parseJSON('[1]'), ['id'], 'record 3')).toThrow('record 3: expected an object, got an array');
  });
});

describe('typed readers', () => {
  it('treat null and absence as the zero value', () => {
    expect(readString(null, 'x')).toBe('');
    expect(readString(undefined, 'x')).toBe('');
    expect(readInt(null, 'x')).toBe(0);
    expect(readStringArray(null, 'x')).toEqual([]);
    expect(readTime(undefined, 'x').toString()).toBe('0001-01-01T00:00:00Z');
  });

  it('refuse wrong types with a path, like the "compression":"gzip" trap', () => {
    expect(() => readInt(parseJSON('"gzip"'), 'record 1.compression')).toThrow(
      expect.objectContaining({ code: 'ERR_RECORD_DECODE', message: 'record 1.compression: expected an integer, got a string' }),
    );
    expect(() => readInt(parseJSON('1.0'), 'n')).toThrow('expected an integer, got the number 1.0');
    expect(() => readInt(parseJSON('1e3'), 'n')).toThrow('expected an integer');
    expect(() => readInt(parseJSON('99999999999999999999'), 'n')).toThrow('out of range');
    expect(() => readInt(parseJSON('-1'), 'uid', 0, 2 ** 32 - 1)).toThrow('out of range');
    expect(() => readString(parseJSON('5'), 's')).toThrow('expected a string');
    expect(() => readStringArray(parseJSON('["a",1]'), 'names')).toThrow('names[1]: expected a string');
    expect(() => readMap(parseJSON('[]'), 'm', readInt)).toThrow('expected an object');
    expect(() => readTime(parseJSON('""'), 'created')).toThrow(expect.objectContaining({ code: 'ERR_RECORD_DECODE' }));
    expect(() => readTime(parseJSON('12'), 'created')).toThrow('expected a time string');
  });

  it('decode flags generically and write them back with sorted keys, as Go does for interface{}', () => {
    const flags = readGenericMap(parseJSON('{"b":1.50,"a":{"y":[1,"s"],"x":true},"MountLabel":""}'), 'flags');
    expect(flags).toEqual({ b: 1.5, a: { y: [1, 's'], x: true }, MountLabel: '' });
    expect(encodeGoJSON(genericToGo(flags))).toBe('{"MountLabel":"","a":{"x":true,"y":[1,"s"]},"b":1.5}');
  });

  it('read and write ID maps', () => {
    const maps = readIDMaps(parseJSON('[{"container_id":0,"host_id":100000,"size":65536}]'), 'uidmap');
    expect(maps).toEqual([{ containerID: 0, hostID: 100000, size: 65536 }]);
    expect(encodeGoJSON(idMapsToGo(maps))).toBe('[{"container_id":0,"host_id":100000,"size":65536}]');
    expect(idMapsToGo([])).toBeUndefined();
    expect(() => readIDMaps(parseJSON('[{"container_id":"0"}]'), 'uidmap')).toThrow('uidmap[0].container_id');
  });
});

import { assertStorableID, dedupeNames } from '../src/record-ids.js';
describe('record IDs and names', () => {
  it('dedupes names keeping the first occurrence', () => {
    expect(dedupeNames(['b', 'a', 'b', 'c', 'a'])).toEqual(['b', 'a', 'c']);
  });
  it.each(['', '.', '..', 'a/b', 'a b', 'a\0b', 'a\nb'])('refuses the ID %j', (id) => {
    expect(() => assertStorableID(id)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ID' }));
  });
  it('accepts IDs the Go CLI accepts', () => {
    for (const id of ['img1', 'a'.repeat(64), 'my-container_1.0']) expect(() => assertStorableID(id)).not.toThrow();
  });
});

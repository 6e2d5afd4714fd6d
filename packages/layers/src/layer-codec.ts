import {
  GoTime,
  RecordDecodeError,
  genericToGo,
  idMapsToGo,
  readGenericMap,
  readIDMaps,
  readInt,
  readString,
  readStringArray,
  readArray,
  readTime,
  splitMembers,
  type GoValue,
  type JSONValue,
} from '@cs/records';
import type { Layer } from './layer.js';
import type { LayerLocation } from './paths.js';

/** A layer as held by the store: the public shape plus the members we did not recognise. */
export interface StoredLayer extends Layer {
  /** Unknown members, kept and written back after the known ones (a newer Go writer may add some). */
  extra: Array<[string, JSONValue]>;
  /** The file the record lives in (`volatile` mirrors location === 'volatile'). */
  location: LayerLocation;
}

/** Members of a layers.json record, in Go's struct order (on-disk.md §2.2). */
const MEMBERS = [
  'id',
  'names',
  'parent',
  'metadata',
  'mountlabel',
  'created',
  'compressed-diff-digest',
  'compressed-size',
  'diff-digest',
  'toc-digest',
  'diff-size',
  'compression',
  'uidset',
  'gidset',
  'flags',
  'uidmap',
  'gidmap',
  'big-data-names',
] as const;

export function emptyLayer(id: string): StoredLayer {
  return {
    id,
    names: [],
    parent: '',
    metadata: '',
    mountLabel: '',
    created: GoTime.ZERO,
    compressedDigest: '',
    compressedSize: 0,
    uncompressedDigest: '',
    tocDigest: '',
    uncompressedSize: 0,
    compression: 0,
    uidset: [],
    gidset: [],
    flags: {},
    uidMap: [],
    gidMap: [],
    bigDataNames: [],
    mountPoint: '',
    mountCount: 0,
    readOnly: false,
    volatile: false,
    extra: [],
    location: 'stable',
  };
}

const readUint32 = (v: JSONValue, where: string): number => readInt(v, where, 0, 0xffffffff);

/**
 * Decodes one record of layers.json / volatile-layers.json with Go's rules (null = zero value,
 * names matched case-insensitively) but strictly: any type mismatch throws, naming the member.
 */
export function decodeLayer(value: JSONValue, where: string): StoredLayer {
  const { known, unknown } = splitMembers(value, MEMBERS, where);
  const at = (m: string): string => `${where} "${m}"`;
  const id = readString(known.get('id'), at('id'));
  if (id === '') throw new RecordDecodeError(`${where}: the record has no "id"`);
  const layer = emptyLayer(id);
  layer.names = readStringArray(known.get('names'), at('names'));
  layer.parent = readString(known.get('parent'), at('parent'));
  layer.metadata = readString(known.get('metadata'), at('metadata'));
  layer.mountLabel = readString(known.get('mountlabel'), at('mountlabel'));
  layer.created = readTime(known.get('created'), at('created'));
  layer.compressedDigest = readString(known.get('compressed-diff-digest'), at('compressed-diff-digest'));
  layer.compressedSize = readInt(known.get('compressed-size'), at('compressed-size'));
  layer.uncompressedDigest = readString(known.get('diff-digest'), at('diff-digest'));
  layer.tocDigest = readString(known.get('toc-digest'), at('toc-digest'));
  layer.uncompressedSize = readInt(known.get('diff-size'), at('diff-size'));
  layer.compression = readInt(known.get('compression'), at('compression'), -0x80000000, 0x7fffffff);
  layer.uidset = readArray(known.get('uidset'), at('uidset'), readUint32);
  layer.gidset = readArray(known.get('gidset'), at('gidset'), readUint32);
  layer.flags = readGenericMap(known.get('flags'), at('flags'));
  layer.uidMap = readIDMaps(known.get('uidmap'), at('uidmap'));
  layer.gidMap = readIDMaps(known.get('gidmap'), at('gidmap'));
  layer.bigDataNames = readStringArray(known.get('big-data-names'), at('big-data-names'));
  layer.extra = unknown;
  return layer;
}

const omitString = (s: string): GoValue => (s === '' ? undefined : s);
const omitNumber = (n: number): GoValue => (n === 0 ? undefined : n);
const omitArray = <T>(a: T[]): GoValue => (a.length === 0 ? undefined : (a as GoValue));

/** The record as Go writes it: struct order, omitempty rules, unknown members after the known ones. */
export function encodeLayer(layer: StoredLayer): GoValue {
  const out: Record<string, GoValue> = {
    id: layer.id,
    names: omitArray(layer.names),
    parent: omitString(layer.parent),
    metadata: omitString(layer.metadata),
    mountlabel: omitString(layer.mountLabel),
    created: layer.created,
    'compressed-diff-digest': omitString(layer.compressedDigest),
    'compressed-size': omitNumber(layer.compressedSize),
    'diff-digest': omitString(layer.uncompressedDigest),
    'toc-digest': omitString(layer.tocDigest),
    'diff-size': omitNumber(layer.uncompressedSize),
    compression: omitNumber(layer.compression),
    uidset: omitArray(layer.uidset),
    gidset: omitArray(layer.gidset),
    flags: Object.keys(layer.flags).length === 0 ? undefined : genericToGo(layer.flags),
    uidmap: idMapsToGo(layer.uidMap),
    gidmap: idMapsToGo(layer.gidMap),
    'big-data-names': omitArray(layer.bigDataNames),
  };
  for (const [key, value] of layer.extra) if (!(key in out)) out[key] = value;
  return out;
}

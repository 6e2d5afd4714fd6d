import type { Container, Image } from '@cs/store';
import type { GoValue } from '@cs/records';
import { recordsLibrary } from '../libraries.js';

/** `omitempty` for slices, strings and maps: undefined drops the member from the JSON object. */
function nonEmpty<T extends string | readonly unknown[]>(v: T): T | undefined {
  return v.length === 0 ? undefined : v;
}

/** A Go map[string]X (keys sorted bytewise on output), omitted when empty. */
function goMap<V extends GoValue>(record: Record<string, V>): Map<string, V> | undefined {
  const entries = Object.entries(record);
  return entries.length === 0 ? undefined : new Map(entries);
}

function flagsJSON(flags: Container['flags']): GoValue | undefined {
  return Object.keys(flags).length === 0 ? undefined : recordsLibrary().genericToGo(flags);
}

/** An image as Go's json.Encoder writes a storage.Image (cli.md §1.9 field order and omissions). */
export function imageJSON(i: Image): GoValue {
  return {
    id: i.id,
    digest: nonEmpty(i.digest),
    names: nonEmpty(i.names),
    'names-history': nonEmpty(i.namesHistory),
    layer: nonEmpty(i.topLayer),
    'mapped-layers': nonEmpty(i.mappedTopLayers),
    metadata: nonEmpty(i.metadata),
    'big-data-names': nonEmpty(i.bigDataNames),
    'big-data-sizes': goMap(i.bigDataSizes),
    'big-data-digests': goMap(i.bigDataDigests),
    created: i.created,
    flags: flagsJSON(i.flags),
  };
}

/** A container as Go's json.Encoder writes a storage.Container (`image` and `layer` always present). */
export function containerJSON(c: Container): GoValue {
  return {
    id: c.id,
    names: nonEmpty(c.names),
    image: c.image,
    layer: c.layer,
    metadata: nonEmpty(c.metadata),
    'big-data-names': nonEmpty(c.bigDataNames),
    'big-data-sizes': goMap(c.bigDataSizes),
    'big-data-digests': goMap(c.bigDataDigests),
    created: c.created,
    uidmap: recordsLibrary().idMapsToGo(c.uidMap),
    gidmap: recordsLibrary().idMapsToGo(c.gidMap),
    flags: flagsJSON(c.flags),
  };
}

import type { Container } from '@cs/containers';
import type { Image } from '@cs/images';
import type { Layer } from '@cs/layers';

/**
 * The layers delete-image removes with the image (cli.md §3.22): its mapped top layers, then the
 * top layer and its parents, stopping at a layer another image or a container uses, or that has
 * children not being removed. Pure: the caller holds the locks and does the deleting.
 */
export function planImageDeletion(image: Image, allLayers: readonly Layer[], allImages: readonly Image[], containers: readonly Container[]): string[] {
  const usedByOthers = new Set<string>();
  for (const i of allImages) if (i.id !== image.id) for (const l of [i.topLayer, ...i.mappedTopLayers]) usedByOthers.add(l);
  for (const c of containers) usedByOthers.add(c.layer);
  const byID = new Map(allLayers.map((l) => [l.id, l]));
  const childCount = new Map<string, number>();
  for (const l of allLayers) if (l.parent !== '') childCount.set(l.parent, (childCount.get(l.parent) ?? 0) + 1);
  const doomed: string[] = [];
  const removeOne = (id: string): void => {
    doomed.push(id);
    const parent = byID.get(id)?.parent ?? '';
    if (parent !== '') childCount.set(parent, (childCount.get(parent) ?? 1) - 1);
  };
  const removable = (id: string): boolean => byID.has(id) && !usedByOthers.has(id) && (childCount.get(id) ?? 0) === 0;
  for (const id of image.mappedTopLayers) if (removable(id)) removeOne(id);
  for (let id = image.topLayer; id !== '' && removable(id); id = byID.get(id)!.parent) removeOne(id);
  return doomed;
}

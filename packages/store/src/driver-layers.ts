import type { Driver } from '@cs/drivers';

/** The layer directories in the driver's home (upstream driver ListLayers, storage-layers), sorted. */
export async function listDriverLayers(driver: Driver): Promise<string[]> {
  return (await driver.listLayers()).sort();
}

/**
 * The layer directories of the driver's own homes: the home and, with a split image store,
 * `<imagestore>/<driver>`; each ID once, sorted. gc and check scan both homes alike.
 */
export async function listOwnDriverLayers(driver: Driver): Promise<string[]> {
  const [home, imageStore] = await Promise.all([driver.listLayers(), driver.listImageStoreLayers()]);
  return [...new Set([...home, ...imageStore])].sort();
}

/**
 * Removes every own copy of a driver layer: remove() takes the home's copy first, so a stray
 * directory of the same ID in the split image store needs a second call.
 */
export async function removeDriverLayer(driver: Driver, id: string): Promise<void> {
  await driver.remove(id);
  if ((await driver.listImageStoreLayers()).includes(id)) await driver.remove(id);
}

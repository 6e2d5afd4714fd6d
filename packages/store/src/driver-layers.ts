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
 * A remover of every own copy of a driver layer, for gc and repair: remove() takes the home's copy
 * first, so an ID also present in the split image store's home (listed once, here) needs a second
 * call, which is a no-op when that copy was the only one.
 */
export async function driverLayerRemover(driver: Driver): Promise<(id: string) => Promise<void>> {
  const inImageStore = new Set(await driver.listImageStoreLayers());
  return async (id) => {
    await driver.remove(id);
    if (inImageStore.has(id)) await driver.remove(id);
  };
}

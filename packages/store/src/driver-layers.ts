import type { Driver } from '@cs/drivers';

/** The layer directories the driver holds (upstream driver ListLayers), sorted. */
export async function listDriverLayers(driver: Driver): Promise<string[]> {
  return (await driver.listLayers()).sort();
}

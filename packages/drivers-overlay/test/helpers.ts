// This package's tests use the shared test kit (tools/test-kit); one import path for them all.
import path from 'node:path';
import { OverlayDriver } from '../src/index.js';

export * from '@cs/test-kit/process';
export * from '@cs/test-kit/go-cli';
export * from '@cs/test-kit/fs-tree';

/** An overlay driver with its home and run home under `dir` (`g/overlay`, `r/overlay`). */
export function openTestDriver(dir: string, options: string[] = []): Promise<OverlayDriver> {
  return OverlayDriver.open({ home: path.join(dir, 'g', 'overlay'), runHome: path.join(dir, 'r', 'overlay'), options, uidMaps: [], gidMaps: [] });
}

import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { MNT, mount, umount2 } from '@cs/sys';
import { DriverError } from '@cs/drivers';
import type { MountPlan } from './mount-plan.js';
import { run } from './run.js';

let helperPath: Promise<string> | undefined;

/** dist/mount-helper.js beside the bundle; from src/ (tests) the built one in ../dist. */
function locateHelper(): Promise<string> {
  helperPath ??= (async () => {
    const candidates = [new URL('./mount-helper.js', import.meta.url), new URL('../dist/mount-helper.js', import.meta.url)];
    for (const url of candidates) {
      const file = fileURLToPath(url);
      try {
        await access(file);
        return file;
      } catch {
        // try the next one
      }
    }
    throw new DriverError('ERR_DRIVER_MOUNT', 'overlay: mount helper not found (is @cs/drivers-overlay built?)');
  })();
  return helperPath;
}

function mountError(target: string, message: string, cause?: unknown): DriverError {
  return new DriverError('ERR_DRIVER_MOUNT', `overlay: mounting ${target}: ${message}`, { cause });
}

/** Performs a mount computed by planOverlayMount. */
export async function performMount(plan: MountPlan): Promise<void> {
  switch (plan.via) {
    case 'direct':
      try {
        await mount(plan.source, plan.target, plan.fstype, plan.flags, plan.data);
      } catch (err) {
        throw mountError(plan.target, (err as Error).message, err);
      }
      return;
    case 'relative':
    case 'fds': {
      const request = { cwd: plan.cwd, target: plan.target, flags: plan.flags, data: plan.data, lowerDirs: plan.lowerDirs };
      const res = await run(process.execPath, [await locateHelper(), JSON.stringify(request)]);
      if (res.code !== 0) {
        let detail = res.stderr.trim() || `helper exited with ${res.code ?? res.signal}`;
        try {
          detail = (JSON.parse(res.stderr) as { message: string }).message;
        } catch {
          // not JSON: keep the raw text
        }
        throw mountError(plan.target, detail);
      }
      return;
    }
    case 'program': {
      const res = await run(plan.program!, ['-o', plan.data, plan.target], { cwd: plan.cwd });
      if (res.code !== 0) {
        throw mountError(plan.target, `${plan.program} failed: ${res.stderr.trim() || `exit ${res.code ?? res.signal}`}`);
      }
      return;
    }
  }
}

/** Unmounts a layer: fusermount for FUSE mounts (falling back to umount2), else a lazy umount2. */
export async function performUnmount(target: string, fuse: boolean): Promise<void> {
  if (fuse) {
    for (const tool of ['fusermount3', 'fusermount']) {
      try {
        const res = await run(tool, ['-u', target]);
        if (res.code === 0) return;
      } catch {
        // tool missing: try the next one
      }
    }
  }
  try {
    await umount2(target, MNT.DETACH);
  } catch (err) {
    throw new DriverError('ERR_DRIVER_MOUNT', `overlay: unmounting ${target}: ${(err as Error).message}`, { cause: err });
  }
}

// Child-process entry that performs one overlay mount whose data only fits with short relative
// names. It needs its own working directory (the driver home, or /proc/self/fd), which a Node
// process cannot change for one call without affecting every other relative path in it.
import { openSync } from 'node:fs';
import { mount } from '@cs/sys';

interface HelperRequest {
  cwd?: string;
  target: string;
  flags: number;
  data: string;
  /** open these and name them by fd number relative to /proc/self/fd */
  lowerDirs?: string[];
}

const O_PATH = 0o10000000;
const O_DIRECTORY = 0o200000;
const O_CLOEXEC = 0o2000000;

async function main(): Promise<void> {
  const req = JSON.parse(process.argv[2] ?? '{}') as HelperRequest;
  let data = req.data;
  if (req.lowerDirs) {
    const fds = req.lowerDirs.map((dir) => openSync(dir, O_PATH | O_DIRECTORY | O_CLOEXEC));
    data = `lowerdir=${fds.join(':')}${data ? `,${data}` : ''}`;
    process.chdir('/proc/self/fd');
  } else if (req.cwd) {
    process.chdir(req.cwd);
  }
  if (Buffer.byteLength(data) >= 4096) {
    throw Object.assign(new Error(`mount data too large (${Buffer.byteLength(data)} bytes)`), { code: 'E2BIG' });
  }
  await mount('overlay', req.target, 'overlay', req.flags, data);
}

main().then(
  () => process.exit(0),
  (err: { code?: string; message?: string }) => {
    process.stderr.write(JSON.stringify({ code: err.code ?? 'EUNKNOWN', message: err.message ?? String(err) }));
    process.exit(1);
  },
);

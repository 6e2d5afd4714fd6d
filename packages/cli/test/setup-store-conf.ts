// Every CLI this test file starts (ours or Go's) without its own CONTAINERS_STORAGE_CONF gets a
// storage.conf whose roots are in a temp dir: a command that falls back to the configured
// store must never create or mount the host's /var/lib/containers/storage.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

if (process.env['CONTAINERS_STORAGE_CONF'] === undefined) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-cli-default-'));
  const conf = path.join(dir, 'storage.conf');
  // vfs: a fallback store needs no mounts, so the temp dir can always be removed.
  writeFileSync(conf, `[storage]\ndriver = "vfs"\ngraphroot = "${dir}/root"\nrunroot = "${dir}/run"\n`);
  process.env['CONTAINERS_STORAGE_CONF'] = conf;
  afterAll(() => {
    delete process.env['CONTAINERS_STORAGE_CONF'];
    rmSync(dir, { recursive: true, force: true });
  });
}

#!/usr/bin/env node
// The README demo: a transcript of the containers-storage CLI (this repository's, built) driving an
// embedded store under .demo-store/ — import a Debian rootfs layer and a layer on top of it, make an
// image with a manifest, create a container, mount it with a real overlay mount, look inside, list
// the store, unmount. Each run starts by wiping the store, so it can be re-run at will.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(repo, 'packages/cli/dist/cli.js');
const storeDir = path.join(repo, '.demo-store');
const benchDir = process.env.CS_BENCH_DATA || '/var/tmp/bench-data';

const GO_CLI = '/usr/bin/containers-storage';
const isRoot = process.geteuid?.() === 0;
const overlayAvailable = isRoot && readFileSync('/proc/filesystems', 'utf8').includes('\toverlay\n');
const driver = overlayAvailable ? 'overlay' : 'vfs';
const storeFlags = ['--graph', path.join(storeDir, 'root'), '--run', path.join(storeDir, 'run'), '--storage-driver', driver];
const shownStoreFlags = `--graph .demo-store/root --run .demo-store/run --storage-driver ${driver}`;

function say(text) {
  process.stdout.write(`${text}\n`);
}

/**
 * Runs one CLI command with the store flags, echoing the command line and then its output as it
 * comes (stderr too: some commands print their normal output there). Returns the captured stdout.
 */
function cs(args, { quiet = false, allowFailure = false } = {}) {
  say(`\n$ containers-storage $STORE ${args.map(shellWord).join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...storeFlags, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    child.stdout.on('data', (b) => {
      out.push(b);
      if (!quiet) process.stdout.write(b);
    });
    child.stderr.on('data', (b) => process.stdout.write(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdout = Buffer.concat(out).toString();
      if (quiet) say(`(${stdout.split('\n').filter(Boolean).length} lines of output, not shown)`);
      if (code !== 0 && !allowFailure) reject(new Error(`containers-storage ${args[0]} exited with status ${code}`));
      else resolve(stdout);
    });
  });
}

function shellWord(w) {
  return /^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replaceAll("'", `'\\''`)}'`;
}

/** The layer tarballs to import: the bench rootfs and its upper layer, or a generated tiny rootfs. */
async function layerTarballs(tmp) {
  const base = path.join(benchDir, 'base.tar');
  const upper = path.join(benchDir, 'upper.tar');
  if (existsSync(base)) {
    say(`Using the bench data in ${benchDir}: base.tar (a Debian rootfs)${existsSync(upper) ? ' and upper.tar' : ''}.`);
    return { base, upper: existsSync(upper) ? upper : null, generated: false };
  }
  say(`No bench data in ${benchDir} (set CS_BENCH_DATA, or run tools/setup.sh): using a small generated rootfs instead.`);
  const tree = path.join(tmp, 'rootfs');
  const files = {
    'etc/os-release': 'PRETTY_NAME="Demo Linux"\nID=demo\n',
    'etc/hostname': 'demo\n',
    'bin/hello': '#!/bin/sh\necho hello from the demo layer\n',
    'usr/share/doc/demo/README': 'A generated layer for the containers-storage demo.\n',
  };
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(tree, name)), { recursive: true });
    await writeFile(path.join(tree, name), text, { mode: name.startsWith('bin/') ? 0o755 : 0o644 });
  }
  const tar = path.join(tmp, 'base.tar');
  const r = spawnSync('tar', ['-C', tree, '--owner=0', '--group=0', '-cf', tar, '.'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('tar failed to build the generated layer');
  return { base: tar, upper: null };
}

/** An OCI image manifest naming the layers by their recorded digests and sizes. */
async function manifestFor(layerIDs) {
  const layers = [];
  for (const id of layerIDs) {
    const [layer] = JSON.parse(await cs(['layer', '--json', id], { quiet: true }));
    layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer['diff-digest'], size: layer['diff-size'] });
  }
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: 'sha256:' + '0'.repeat(64), size: 0 },
    layers,
  });
}

/** A few entries of a directory inside the mounted rootfs, like `ls -F`. */
async function listDir(root, rel, max = 12) {
  const dir = path.join(root, rel);
  const names = (await readdir(dir)).sort();
  const shown = [];
  for (const name of names.slice(0, max)) {
    const st = await stat(path.join(dir, name)).catch(() => null);
    shown.push(st?.isDirectory() ? `${name}/` : name);
  }
  say(`\n# ls ${path.join('<mountpoint>', rel)}   (${names.length} entries${names.length > max ? `, first ${max}` : ''})`);
  say(shown.join('  '));
}

async function main() {
  if (!existsSync(cli)) {
    say('The CLI is not built yet: running `pnpm build` first.');
    const r = spawnSync('pnpm', ['build'], { cwd: repo, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('pnpm build failed');
  }
  if (!overlayAvailable) say(`Note: overlay mounts need root and overlayfs; this run uses the vfs driver.`);
  say(`Store: ${storeDir} (driver ${driver})`);
  say(`STORE="${shownStoreFlags}"`);

  const tmp = await mkdtemp(path.join(os.tmpdir(), 'cs-demo-'));
  try {
    const tarballs = await layerTarballs(tmp);
    // A clean start: whatever an earlier run left (even a mounted container) goes.
    await cs(['wipe']);

    let started = Date.now();
    const base = (await cs(['import-layer', '-n', tarballs.generated ? 'demo-rootfs' : 'debian-rootfs', '-f', tarballs.base])).split('\n')[0];
    say(`(imported in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    let top = base;
    if (tarballs.upper) {
      started = Date.now();
      top = (await cs(['import-layer', '-n', 'debian-upper', '-f', tarballs.upper, base])).split('\n')[0];
      say(`(imported in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }

    await cs(['create-image', '-n', 'demo/debian:latest', '-m', 'made by tools/demo', top]);
    const manifest = path.join(tmp, 'manifest.json');
    await writeFile(manifest, await manifestFor(tarballs.upper ? [base, top] : [base]));
    await cs(['set-image-data', '-f', manifest, 'demo/debian:latest', 'manifest']);
    await cs(['image', 'demo/debian:latest']);
    await cs(['get-image-data', 'demo/debian:latest', 'manifest']);
    say('');

    await cs(['create-container', '-n', 'demo-container', 'demo/debian:latest']);
    const containerLayer = /^Layer: (\S+)$/m.exec(await cs(['container', 'demo-container']))?.[1];
    const mountpoint = (await cs(['mount', 'demo-container'])).trim();
    try {
      await listDir(mountpoint, '/');
      await listDir(mountpoint, '/etc');
      const osRelease = path.join(mountpoint, 'etc/os-release');
      if (existsSync(osRelease)) {
        say('\n# head -3 <mountpoint>/etc/os-release');
        say((await readFile(osRelease, 'utf8')).split('\n').slice(0, 3).join('\n'));
      }
      // A write into the container lands in its own layer only.
      say('\n# echo "written in the container" > <mountpoint>/demo.txt');
      await writeFile(path.join(mountpoint, 'demo.txt'), 'written in the container\n');
      if (containerLayer) await cs(['changes', containerLayer]);
      await cs(['layers', '--tree']);
      await cs(['images']);
      await cs(['containers']);
      await cs(['mounted', 'demo-container']);
    } finally {
      await cs(['unmount', 'demo-container'], { allowFailure: true });
    }
    if (existsSync(GO_CLI)) {
      // The store is the Go tool's on-disk format: Debian's containers-storage reads it as is.
      say(`\n$ ${GO_CLI} $STORE images        # the Go tool, same store`);
      const r = spawnSync(GO_CLI, [...storeFlags, 'images'], { encoding: 'utf8' });
      process.stdout.write(r.stdout + r.stderr);
    }
    // Release the driver's own mounts; the store stays as it is for a look around (the next run wipes it).
    await cs(['shutdown']);
    say(`\nDone. The store is left in ${storeDir}; try: node packages/cli/dist/cli.js ${shownStoreFlags} layers`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`demo failed: ${err.message}\n`);
  process.exit(1);
});

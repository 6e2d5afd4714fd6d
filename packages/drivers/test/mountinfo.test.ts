import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertLayerId, findMount, isMountPoint, mountsUnder, parseMountInfo } from '../src/index.js';

describe('mountinfo', () => {
  it('parses fields and undoes octal escapes', () => {
    const text =
      '36 35 98:0 /mnt1 /mnt/with\\040space rw,noatime master:1 - overlay overlay rw,lowerdir=/l/A:/l/B,upperdir=/u\n' +
      '22 27 0:21 / /proc rw,relatime - proc proc rw\n';
    const [first, second] = parseMountInfo(text);
    expect(first).toEqual({
      mountPoint: '/mnt/with space',
      mountOptions: 'rw,noatime',
      fsType: 'overlay',
      source: 'overlay',
      superOptions: 'rw,lowerdir=/l/A:/l/B,upperdir=/u',
    });
    expect(second?.mountPoint).toBe('/proc');
  });

  it('skips malformed lines', () => {
    expect(parseMountInfo('garbage\n\n1 2 3')).toEqual([]);
  });

  it('knows real mount points from plain directories', async () => {
    expect(await isMountPoint('/proc')).toBe(true);
    expect((await findMount('/proc'))?.fsType).toBe('proc');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cs-drivers-'));
    try {
      expect(await isMountPoint(dir)).toBe(false);
      expect(await mountsUnder(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

describe('layer IDs', () => {
  it('accepts hex IDs and plain names', () => {
    expect(() => assertLayerId('a'.repeat(64))).not.toThrow();
    expect(() => assertLayerId('layer-1')).not.toThrow();
  });

  it('rejects names that escape or collide in the driver home', () => {
    for (const bad of ['', '.', '..', 'l', 'a/b', '../x', '.hidden', 'x\0y']) {
      expect(() => assertLayerId(bad), bad).toThrow(expect.objectContaining({ code: 'ERR_INVALID_LAYER_ID' }));
    }
  });
});

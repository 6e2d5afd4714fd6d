import { describe, expect, it } from 'vitest';
import { MS, parseMountOptions, planOverlayMount } from '../src/index.js';

const home = '/g/overlay';
const id = 'a'.repeat(64);
const lower = (n: number) => Array.from({ length: n }, (_, i) => `${home}/l/${String(i).padStart(26, 'L')}`);

describe('mount options', () => {
  it('turns flag words into bits and keeps the rest in order', () => {
    expect(parseMountOptions('ro,nodev,lowerdir=/a:/b,nosuid,metacopy=on,rw')).toEqual({
      flags: MS.NODEV | MS.NOSUID,
      data: 'lowerdir=/a:/b,metacopy=on',
    });
    expect(parseMountOptions('')).toEqual({ flags: 0, data: '' });
  });
});

describe('overlay mount plan', () => {
  it('read-write: lowers, then upper and work, then options', () => {
    const plan = planOverlayMount({ home, id, lowers: lower(2), options: ['nodev'], readOnly: false });
    expect(plan).toMatchObject({ via: 'direct', source: 'overlay', fstype: 'overlay', target: `${home}/${id}/merged`, flags: MS.NODEV });
    expect(plan.data).toBe(`lowerdir=${lower(2).join(':')},upperdir=${home}/${id}/diff,workdir=${home}/${id}/work`);
  });

  it('read-only: the layer diff becomes the top lower, no upper', () => {
    const plan = planOverlayMount({ home, id, lowers: [`${home}/${id}/empty`], options: [], readOnly: true });
    expect(plan.flags & MS.RDONLY).toBe(MS.RDONLY);
    expect(plan.data).toBe(`lowerdir=${home}/${id}/diff:${home}/${id}/empty`);
    expect(planOverlayMount({ home, id, lowers: lower(1), options: ['ro'], readOnly: false }).readOnly).toBe(true);
  });

  it('adds the SELinux context and rootless userxattr', () => {
    const plan = planOverlayMount({ home, id, lowers: lower(1), options: [], readOnly: false, mountLabel: 'system_u:object_r:container_file_t:s0', rootless: true });
    expect(plan.data.endsWith(',userxattr,context="system_u:object_r:container_file_t:s0"')).toBe(true);
  });

  it('adds volatile to read-write kernel mounts only', () => {
    expect(planOverlayMount({ home, id, lowers: lower(1), options: [], readOnly: false, volatile: true }).data.endsWith(',volatile')).toBe(true);
    expect(planOverlayMount({ home, id, lowers: lower(1), options: [], readOnly: true, volatile: true }).data).not.toContain('volatile');
    expect(planOverlayMount({ home, id, lowers: lower(1), options: [], readOnly: false, volatile: true, mountProgram: '/x' }).data).not.toContain('volatile');
  });

  it('uses paths relative to the home when absolute ones do not fit a page', () => {
    const plan = planOverlayMount({ home, id, lowers: lower(100), options: [], readOnly: false });
    expect(plan.via).toBe('relative');
    expect(plan.cwd).toBe(home);
    expect(plan.data.startsWith(`lowerdir=l/${'L'.repeat(25)}0:`)).toBe(true);
    expect(plan.data).toContain(`upperdir=${id}/diff,workdir=${id}/work`);
    expect(Buffer.byteLength(plan.data)).toBeLessThan(4096);
  });

  it('names lowers by descriptor when even relative paths do not fit (300 layers)', () => {
    const plan = planOverlayMount({ home, id, lowers: lower(300), options: ['nodev'], readOnly: false });
    expect(plan.via).toBe('fds');
    expect(plan.lowerDirs).toHaveLength(300);
    expect(plan.data).toBe(`upperdir=${home}/${id}/diff,workdir=${home}/${id}/work`);
    expect(plan.flags).toBe(MS.NODEV);
    const ro = planOverlayMount({ home, id, lowers: lower(300), options: [], readOnly: true });
    expect(ro.lowerDirs?.[0]).toBe(`${home}/${id}/diff`);
    expect(ro.data).toBe('');
  });

  it('refuses what cannot fit at all', () => {
    expect(() => planOverlayMount({ home, id, lowers: lower(2000), options: [], readOnly: false })).toThrow(
      expect.objectContaining({ code: 'ERR_DRIVER_MOUNT' }),
    );
  });

  it('hands fuse-overlayfs the absolute form plus its id mappings', () => {
    const plan = planOverlayMount({
      home, id, lowers: lower(1), options: [], readOnly: false,
      mountProgram: '/usr/bin/fuse-overlayfs',
      uidMaps: [{ containerID: 0, hostID: 100000, size: 65536 }],
      gidMaps: [{ containerID: 0, hostID: 100000, size: 65536 }],
    });
    expect(plan).toMatchObject({ via: 'program', program: '/usr/bin/fuse-overlayfs', cwd: home });
    expect(plan.data).toContain(',uidmapping=0:100000:65536,gidmapping=0:100000:65536');
  });
});

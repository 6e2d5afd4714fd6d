import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { SysError, isSysError, lgetxattr, lgetxattrSync, llistxattr, lutimens, renameat2 } from '../src/index.js';
import { rejection, thrown } from './helpers.js';

describe('error shape', () => {
  it('system call failures are SysError instances shaped like Node fs errors', async () => {
    const err = await rejection(llistxattr('/no/such/path'));
    expect(err).toBeInstanceOf(SysError);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('SysError');
    expect(err.message).toBe("ENOENT: no such file or directory, llistxattr '/no/such/path'");
    expect({ ...err }).toEqual({ code: 'ENOENT', errno: -2, syscall: 'llistxattr', path: '/no/such/path' });
    expect(err.stack).toContain('ENOENT');
    expect(isSysError(err)).toBe(true);
    expect(isSysError(err, 'ENOENT')).toBe(true);
    expect(isSysError(err, 'EPERM')).toBe(false);
    expect(isSysError(new Error('x'))).toBe(false);
  });

  it('two-path calls name both paths, like fs.rename', async () => {
    const err = await rejection(renameat2('/no/a', '/no/b', 0));
    expect(err).toMatchObject({ code: 'ENOENT', path: '/no/a', dest: '/no/b' });
    expect(err.message).toBe("ENOENT: no such file or directory, renameat2 '/no/a' -> '/no/b'");
  });

  it('Buffer paths are reported decoded', async () => {
    const err = await rejection(lgetxattr(Buffer.from('/no/such/buf'), 'user.x'));
    expect(err.path).toBe('/no/such/buf');
  });

  it('argument errors are TypeErrors with Node codes; promise functions reject instead of throwing', async () => {
    const p = lutimens(42 as unknown as string, null, null); // must not throw synchronously
    const err = await rejection(p);
    expect(err).toBeInstanceOf(TypeError);
    expect(err.code).toBe('ERR_INVALID_ARG_TYPE');
    expect(err.message).toBe('The "path" argument must be of type string or an instance of Buffer');
    expect((await rejection((llistxattr as unknown as () => Promise<string[]>)())).code).toBe('ERR_INVALID_ARG_TYPE');
    const syncErr = thrown(() => lgetxattrSync(join('/tmp', 'x'), undefined as unknown as string));
    expect(syncErr).toBeInstanceOf(TypeError);
    expect(syncErr.code).toBe('ERR_INVALID_ARG_TYPE');
  });
});

describe('worker threads', () => {
  it('each thread gets its own error class; the main thread keeps SysError', async () => {
    const addonPath = fileURLToPath(new URL('../build/Release/cs_sys.node', import.meta.url));
    const worker = new Worker([
      'const { parentPort } = require("node:worker_threads");',
      `const sys = require(${JSON.stringify(addonPath)});`,
      'class WorkerError extends Error {}',
      'sys.setErrorClass(WorkerError);',
      'sys.llistxattr("/no/such/path").catch((e) => parentPort.postMessage([e.constructor.name, e.code, e.syscall]));',
    ].join('\n'), { eval: true });
    const [message] = await Promise.all([
      new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); }),
      new Promise((resolve) => worker.once('exit', resolve)),
    ]);
    expect(message).toEqual(['WorkerError', 'ENOENT', 'llistxattr']);
    const err = await rejection(llistxattr('/no/such/path'));
    expect(err).toBeInstanceOf(SysError);
  });
});

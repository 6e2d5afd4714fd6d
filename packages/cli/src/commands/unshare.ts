import { defineCommand } from '../command.js';
import { USERNS_MARKER } from '../rootless.js';

export default defineCommand({
  names: ['unshare'],
  usage: 'Run a command in a user namespace',
  optionsHelp: '[command [...]]',
  minArgs: 0,
  maxArgs: -1,
  flags: {},
  async action({ args, argv, out, env }) {
    // The parent re-executes the whole command line in the namespace and passes its status on.
    // child_process is loaded only when needed: the command table must stay cheap to load.
    if (!env[USERNS_MARKER]) return (await import('../unshare.js')).reexecInUserNamespace(argv, out, env);
    const { spawn } = await import('node:child_process');
    const [file, ...rest] = args.length > 0 ? args : [env['SHELL'] || '/bin/sh'];
    const child = spawn(file!, rest, { stdio: 'inherit', env });
    const failure = await new Promise<string | null>((resolve) => {
      child.on('error', (err) => resolve(`exec: ${JSON.stringify(file)}: ${err.message}`));
      child.on('exit', (code, signal) => resolve(code === 0 ? null : code !== null ? `exit status ${code}` : `signal: ${signal}`));
    });
    if (failure === null) return 0;
    out.err(`${failure}\n`);
    return 1;
  },
});

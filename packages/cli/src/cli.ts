#!/usr/bin/env node
import { isMainThread } from 'node:worker_threads';
import { run } from './main.js';
import { flushOutput, ProcessOutput } from './output.js';
import { goErrorText } from './go-errors.js';

async function main(): Promise<never> {
  const io = new ProcessOutput();
  // A reader that goes away (`… | head`) ends the process quietly with 141, like Go's death by SIGPIPE.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => process.exit(err.code === 'EPIPE' ? 141 : 1));
  // An error escaping the command's promise chain (a stream failing late) is still just a message.
  const fatal = (err: unknown): void => {
    process.stderr.write(`${goErrorText(err)}\n`);
    process.exit(1);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  let status: number;
  try {
    status = await run(process.argv.slice(2), io);
  } catch (err) {
    // Never a stack trace: the message, status 1.
    io.err(`${goErrorText(err)}\n`);
    status = 1;
  }
  await flushOutput();
  process.exit(status);
}

// Library worker threads may load this very file when everything is bundled into it (npx
// package): only the main thread runs the command. The libraries are imported lazily, so a
// worker evaluates them here to reach their worker entry points.
if (isMainThread) await main();
else await import('@cs/store');

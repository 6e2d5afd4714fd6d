import { run } from './main.js';
import { flushOutput, ProcessOutput } from './output.js';
import { goErrorText } from './go-errors.js';

/** Runs the command line of this process and exits with its status. */
export async function processMain(): Promise<never> {
  // The command prints error messages, never stacks (cli.md): not capturing them makes the
  // errors that store opening expects (ENOENT, EEXIST, …) much cheaper.
  Error.stackTraceLimit = 0;
  const io = new ProcessOutput();
  // An error escaping the command's promise chain (a stream failing late) is still just a message.
  const fatal = (err: unknown): void => {
    io.err(`${goErrorText(err)}\n`);
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

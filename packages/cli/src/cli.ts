#!/usr/bin/env node
import { run } from './main.js';
import { flushOutput, ProcessOutput } from './output.js';
import { goErrorText } from './go-errors.js';

const io = new ProcessOutput();
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

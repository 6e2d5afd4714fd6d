#!/usr/bin/env node
// The containers-storage command: loads the code-cached bundle of everything else (load.ts).
import { cacheGroupOf, TRAIN_ENV } from './format.js';
import { loadBundle, runTrainingPhase } from './load.js';

const training = process.env[TRAIN_ENV];
if (training !== undefined) runTrainingPhase(training).then(() => process.exit(0));
else void loadBundle(cacheGroupOf(process.argv.slice(2))).exports.main();

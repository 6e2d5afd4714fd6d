// Times exportTree and changesBetween+exportChanges of a whole layer tree (output to nowhere).
import { changesBetween, exportChanges, exportTree } from '../dist/index.js';

const [dir, runsArg = '5', goMs] = process.argv.slice(2);
const runs = Number(runsArg);

async function drain(stream) {
  let bytes = 0;
  for await (const c of stream) bytes += c.length;
  return bytes;
}

async function best(fn) {
  let bestMs = Infinity, bytes = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    bytes = await fn();
    bestMs = Math.min(bestMs, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { ms: Math.round(bestMs), bytes };
}

const tree = await best(() => drain(exportTree(dir)));
const viaChanges = await best(async () => drain(exportChanges(dir, await changesBetween(dir, null))));
const ratio = (ms) => (goMs ? ` (${(ms / Number(goMs)).toFixed(2)}x Go)` : '');
console.log(`exportTree (parentless walk): ${tree.ms} ms, ${tree.bytes} bytes${ratio(tree.ms)}`);
console.log(`changesBetween+exportChanges : ${viaChanges.ms} ms, ${viaChanges.bytes} bytes${ratio(viaChanges.ms)}`);

// Times exportTree and changesBetween+exportChanges of a whole layer tree (output discarded):
// best wall time and best CPU time (user+sys, all threads of this process) of N runs.
import { changesBetween, exportChanges, exportTree } from '../dist/index.js';

const [dir, runsArg = '5', goWall, goCpu] = process.argv.slice(2);
const runs = Number(runsArg);

async function drain(stream) {
  let bytes = 0;
  for await (const c of stream) bytes += c.length;
  return bytes;
}

async function best(fn) {
  let wall = Infinity, cpu = Infinity, bytes = 0, first = 0;
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    bytes = await fn();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const c = process.cpuUsage(c0);
    if (i === 0) first = ms;
    wall = Math.min(wall, ms);
    cpu = Math.min(cpu, (c.user + c.system) / 1000);
  }
  return { wall: Math.round(wall), cpu: Math.round(cpu), first: Math.round(first), bytes };
}

const ratio = (ms, go) => (go ? ` (${(ms / Number(go)).toFixed(2)}x Go)` : '');
const report = (label, r) =>
  console.log(`${label}: wall ${r.wall} ms${ratio(r.wall, goWall)}, cpu ${r.cpu} ms${ratio(r.cpu, goCpu)}, first run ${r.first} ms, ${r.bytes} bytes`);

report('exportTree (worker)          ', await best(() => drain(exportTree(dir))));
report('exportTree (in-process)      ', await best(() => drain(exportTree(dir, { worker: false }))));
report('changesBetween+exportChanges ', await best(async () => drain(exportChanges(dir, await changesBetween(dir, null)))));

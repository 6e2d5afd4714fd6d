import type { CheckReport } from '@cs/store';
import { boolFlag, CommandError, defineCommand, JSON_FLAG, stringFlag } from '../command.js';
import { parseGoDuration } from '../duration.js';
import { goErrorText } from '../go-errors.js';
import type { Output } from '../output.js';
import { deferredShutdown } from './lifecycle.js';

const SECTIONS: Array<[keyof CheckReport, string, string]> = [
  ['layers', 'layer', 'Layers'],
  ['roLayers', 'read-only layer', 'ROLayers'],
  ['images', 'image', 'Images'],
  ['roImages', 'read-only image', 'ROImages'],
  ['containers', 'container', 'Containers'],
];

function count(report: CheckReport, key: keyof CheckReport): number {
  return Object.keys(report[key]).length;
}

function printReport(out: Output, report: CheckReport, json: boolean): void {
  if (json) {
    // Each error is a Go error value, which encodes as {} (cli.md §1.9).
    const obj: Record<string, Map<string, object[]>> = {};
    for (const [key, , jsonName] of SECTIONS) obj[jsonName] = new Map(Object.entries(report[key]).map(([id, errs]) => [id, errs.map(() => ({}))]));
    out.json(obj as never);
    return;
  }
  let text = '';
  for (const [key, label] of SECTIONS) {
    for (const [id, errs] of Object.entries(report[key])) {
      if (errs.length === 0) continue;
      text += `${label} ${id}:\n`;
      for (const e of errs) text += ` ${e}\n`;
    }
  }
  out.out(text);
}

export default defineCommand({
  names: ['check'],
  usage: 'Check storage consistency',
  optionsHelp: '',
  minArgs: 0,
  maxArgs: 0,
  flags: {
    json: JSON_FLAG,
    max: stringFlag(['-max', 'm'], 'Maximum allowed age for unreferenced layers', '24h'),
    repair: boolFlag(['-repair', 'r'], 'Remove damaged images and layers'),
    force: boolFlag(['-force', 'f'], 'Remove damaged containers'),
    quick: boolFlag(['-quick', 'q'], 'Perform only quick checks'),
  },
  async action({ store, flags, out }) {
    const { checkStore, repairStore } = await import('@cs/store');
    try {
      const maxAgeMs = parseGoDuration(flags.max);
      const report = await checkStore(store, { maxAgeMs, quick: flags.quick });
      printReport(out, report, flags.json);
      const n = (k: keyof CheckReport): number => count(report, k);
      if (!flags.repair && !flags.force) {
        const total = n('layers') + n('roLayers') + n('images') + n('roImages') + n('containers');
        if (total === 0) return 0;
        throw new CommandError(
          `${n('layers')} layer errors, ${n('roLayers')} read-only layer errors, ${n('images')} image errors, ${n('roImages')} read-only image errors, ${n('containers')} container errors`,
        );
      }
      const errors = await repairStore(store, report, { force: flags.force });
      if (errors.length > 0) {
        if (flags.json) out.json(errors.map(() => ({})));
        else for (const e of errors) out.err(`${goErrorText(e)}\n`);
        throw new CommandError(goErrorText(errors[0]));
      }
      if (n('roLayers') > 0 || n('roImages') > 0 || (!flags.force && n('containers') > 0)) {
        const ro = `${n('roLayers')} read-only layer errors, ${n('roImages')} read-only image errors`;
        throw new CommandError(flags.force ? ro : `${ro}, ${n('containers')} container errors`);
      }
      return 0;
    } finally {
      await deferredShutdown(store, out);
    }
  },
});

import type { FlagSet } from './flagset.js';

/**
 * mflag PrintDefaults: a leading empty line, then one line per visible flag, the usage column
 * aligned like Go's tabwriter (min width 20, padding 3). Defaults under $HOME print as ~/… .
 */
export function formatDefaults(fs: FlagSet, home = process.env['HOME'] ?? ''): string {
  const rows: Array<[string, string]> = [];
  for (const f of fs.defaultsTable()) {
    if (f.names.length === 0 || f.usage === '') continue;
    let val = f.defValue;
    if (home !== '' && home !== '/' && val.startsWith(home)) val = `~${val.slice(home.length)}`;
    const names = f.names.join(', -');
    const cell = isZeroValue(val) ? `  -${names}` : `  -${names}=${val}`;
    const lines = f.usage.split('\n');
    rows.push([cell, ` ${lines[0]}`]);
    for (const extra of lines.slice(1)) rows.push(['', `   ${extra}`]);
  }
  const width = Math.max(20, ...rows.map(([c]) => c.length + 3));
  let out = '\n';
  for (const [cell, text] of rows) out += `${cell.padEnd(width)}${text}\n`;
  return out;
}

function isZeroValue(v: string): boolean {
  return v === '' || v === 'false' || v === '0';
}

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLE_FILE, BUNDLE_FOOTER, bundleWithToEsmOnce } from '../src/bin/format.js';

// The command bundle's build step that rebinds esbuild's __toESM helper (src/bin/format.ts).
describe('command bundle: esbuild __toESM helper rebinding', () => {
  const helper = 'var S=(t,e,r)=>(r=t!=null?Og(Ng(t)):{},rl(e||!t||!t.__esModule?Ii(r,"default",{value:t,enumerable:!0}):r,t));';
  const body = `/*cs-build:x*/(function (a) {\n${helper}var p=S(require("path"),1);\n`;

  it('rebinds the helper on the footer line, leaving every other line as it was', () => {
    const text = `${body}${BUNDLE_FOOTER}\n//# sourceMappingURL=x.map\n`;
    const out = bundleWithToEsmOnce(text);
    expect(out).toBe(`${body}S=__csToEsm(S);${BUNDLE_FOOTER}\n//# sourceMappingURL=x.map\n`);
    expect(out.split('\n').length).toBe(text.split('\n').length);
  });

  it('fails when the helper or the footer line is not there', () => {
    expect(() => bundleWithToEsmOnce(`${body.replace(helper, 'var S=(t)=>t;')}${BUNDLE_FOOTER}\n`)).toThrow(/__toESM/);
    expect(() => bundleWithToEsmOnce(body)).toThrow(/footer/);
  });

  it('is applied to the built bundle', () => {
    const built = readFileSync(path.join(import.meta.dirname, '..', 'dist', BUNDLE_FILE), 'latin1');
    expect(built).toMatch(/\n([\w$]+)=__csToEsm\(\1\);\}\)\n/);
  });
});

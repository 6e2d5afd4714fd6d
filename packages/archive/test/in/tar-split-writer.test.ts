import { describe, expect, it } from 'vitest';
import { goJSONString } from '../../src/in/tar-split-writer.js';

describe("tar-split JSON strings as Go's encoder writes them", () => {
  it('escapes what Go escapes and round-trips through JSON.parse', () => {
    for (const s of ['plain/name.txt', 'a"b', 'back\\slash', '<tag>&', 'tab\there', 'caf\u00e9', 'line\u2028sep', '\u0001ctl', '']) {
      const enc = goJSONString(s);
      expect(JSON.parse(enc)).toBe(s);
      expect(enc).not.toMatch(/[<>&\u2028\u2029]/);
    }
    expect(goJSONString('<a&b>')).toBe('"\\u003ca\\u0026b\\u003e"');
  });
});

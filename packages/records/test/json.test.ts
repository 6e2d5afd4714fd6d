import { describe, expect, it } from 'vitest';
import { encodeGoJSON, quoteGoString } from '../src/json-encode.js';
import { parseJSON } from '../src/json-parse.js';
import { JSONNumber, JSONObject } from '../src/json-value.js';
import { JSONSyntaxError } from '../src/errors.js';
import { GoTime } from '../src/time.js';

// images.json captured from containers-storage 1.43 (on-disk.md §2.4)
const CAPTURED_IMAGES =
  '[{"id":"ba37a0c0fb16f9fbfb901e5d7e1a2606c4f066899eee43af2424000ffdfe9d06","digest":"sha256:8372bce0c0f1c067da7a8c2bf6b3df5183fd1f81f09b35e59b2cfcf2c4796823","names":["docker.io/library/test:latest","localhost/other:1","quay.io/x/y:2"],"names-history":["quay.io/x/y:2","localhost/other:1","docker.io/library/test:latest"],"layer":"62fb01a1d695223e869e42f12d01cb37aeaeb7a365f1f7214cdb70ae019f96c3","metadata":"image-metadata","big-data-names":["manifest","manifest-sha256:1111111111111111111111111111111111111111111111111111111111111111","sha256:b8bed7d9428761ffd1a180b81fabf6ab0215adc8fcf3777ea547552525b463b8","simple.key"],"big-data-sizes":{"manifest":101,"manifest-sha256:1111111111111111111111111111111111111111111111111111111111111111":101,"sha256:b8bed7d9428761ffd1a180b81fabf6ab0215adc8fcf3777ea547552525b463b8":38,"simple.key":38},"big-data-digests":{"manifest":"sha256:8372bce0c0f1c067da7a8c2bf6b3df5183fd1f81f09b35e59b2cfcf2c4796823","manifest-sha256:1111111111111111111111111111111111111111111111111111111111111111":"sha256:8372bce0c0f1c067da7a8c2bf6b3df5183fd1f81f09b35e59b2cfcf2c4796823","sha256:b8bed7d9428761ffd1a180b81fabf6ab0215adc8fcf3777ea547552525b463b8":"sha256:b8bed7d9428761ffd1a180b81fabf6ab0215adc8fcf3777ea547552525b463b8","simple.key":"sha256:b8bed7d9428761ffd1a180b81fabf6ab0215adc8fcf3777ea547552525b463b8"},"created":"2026-11-27T21:24:26.884088631Z"}]';

describe('encodeGoJSON', () => {
  it('writes structs in member order, omits undefined, sorts map keys by byte value', () => {
    const out = encodeGoJSON({
      id: 'x',
      names: undefined,
      sizes: new Map<string, number>([
        ['b', 2],
        ['B', 1],
        ['\u{1F600}', 4], // U+1F600 sorts after U+FFFD in UTF-8 but before it in UTF-16
        ['\uFFFD', 3],
        ['a', 0],
      ]),
      created: GoTime.parse('2026-11-27T21:24:20.468779774Z'),
    });
    expect(out).toBe('{"id":"x","sizes":{"B":1,"a":0,"b":2,"\uFFFD":3,"\u{1F600}":4},"created":"2026-11-27T21:24:20.468779774Z"}');
  });

  it('escapes like Go: HTML characters, line separators, control characters, lone surrogates', () => {
    expect(quoteGoString('<a href="x">&</a>')).toBe('"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"');
    expect(quoteGoString('\u2028\u2029')).toBe('"\\u2028\\u2029"');
    expect(quoteGoString('\n\r\t\b\f\u0001\\')).toBe('"\\n\\r\\t\\u0008\\u000c\\u0001\\\\"');
    expect(quoteGoString('a\uD800b')).toBe('"a\uFFFDb"');
    expect(quoteGoString('\u{1F600}é/')).toBe('"\u{1F600}é/"');
  });

  it('writes integers without fraction or exponent, floats like Go, and refuses NaN', () => {
    expect(encodeGoJSON([0, 261, 9007199254740991, 1.5, 1e21, 1e-7, 123456789n])).toBe(
      '[0,261,9007199254740991,1.5,1e+21,1e-7,123456789]',
    );
    expect(() => encodeGoJSON([Number.NaN])).toThrow(expect.objectContaining({ code: 'ERR_UNSUPPORTED_VALUE' }));
    expect(() => encodeGoJSON([new Date(0) as never])).toThrow(expect.objectContaining({ code: 'ERR_UNSUPPORTED_VALUE' }));
  });

  it('re-encodes a captured Go file byte for byte', () => {
    expect(encodeGoJSON(parseJSON(CAPTURED_IMAGES))).toBe(CAPTURED_IMAGES);
  });
});

describe('parseJSON', () => {
  it('keeps number texts, member order and duplicates', () => {
    const v = parseJSON(' {"b":1.50,"a":[true,false,null],"b":"x\\u003c\\/"} ');
    expect(v).toBeInstanceOf(JSONObject);
    const obj = v as JSONObject;
    expect(obj.members.map(([k]) => k)).toEqual(['b', 'a', 'b']);
    expect((obj.members[0]![1] as JSONNumber).text).toBe('1.50');
    expect(obj.get('b')).toBe('x</');
  });

  it.each([
    ['', 'unexpected end'],
    ['[1,]', 'beginning of value'],
    ['[1] x', 'after the top-level value'],
    ['{"a":1', 'unexpected end'],
    ['{a:1}', 'expected a string'],
    ['"abc', 'unterminated'],
    ['"a\tb"', 'control character'],
    ['"\\x"', 'invalid escape'],
    ['01', 'after the top-level value'],
    ['[tru]', 'invalid literal'],
    ['\uFEFF[]', 'beginning of value'],
  ])('rejects %j', (text, message) => {
    expect(() => parseJSON(text)).toThrow(JSONSyntaxError);
    expect(() => parseJSON(text)).toThrow(message);
  });
});

describe('string encoding and parsing agree on random input', () => {
  const alphabet = ['a', 'Z', ' ', '"', '\\', '/', '<', '>', '&', '\n', '\t', '\u0000', '\u001f', '\u007f', 'é', '\u2028', '\u2029', '\u{1F600}', '\uFFFD'];
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  it('quoteGoString output parses back (ours and JSON.parse) to the same string', () => {
    for (let i = 0; i < 2000; i++) {
      const len = rand(12);
      let s = '';
      for (let j = 0; j < len; j++) s += alphabet[rand(alphabet.length)];
      const q = quoteGoString(s);
      expect(JSON.parse(q)).toBe(s);
      expect(parseJSON(q)).toBe(s);
      expect(q).not.toMatch(/[<>&\u2028\u2029\u0000-\u001f]/);
    }
  });
});

import { compareByteOrder } from '../src/json-encode.js';
describe('compareByteOrder', () => {
  it('orders like UTF-8 bytes on random strings', () => {
    const pool = ['a', 'B', '~', '\u007f', 'é', '\u0800', '\uD7FF', '\uE000', '\uFFFD', '\u{10000}', '\u{1F600}', ''];
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
    for (let i = 0; i < 3000; i++) {
      const mk = () => Array.from({ length: rand(4) }, () => pool[rand(pool.length)]).join('');
      const a = mk();
      const b = mk();
      const expected = Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));
      expect(Math.sign(compareByteOrder(a, b))).toBe(expected);
    }
  });
});

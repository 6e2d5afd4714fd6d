import { JSONSyntaxError } from './errors.js';
import { JSONNumber, JSONObject, type JSONValue } from './json-value.js';

const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPE_OR_CONTROL_RE = /[\\\u0000-\u001f]/;
const MAX_DEPTH = 10000; // Go's decoder also limits nesting (10000) instead of overflowing the stack

/**
 * Strict JSON (RFC 8259) parser. Unlike JSON.parse it keeps number texts and member order with
 * duplicates, and it reports where the text is broken. Exactly one value, surrounded only by
 * JSON whitespace, is accepted.
 */
export function parseJSON(text: string): JSONValue {
  const p = new Parser(text);
  p.skipSpace();
  const value = p.value(0);
  p.skipSpace();
  if (p.pos !== text.length) throw new JSONSyntaxError('unexpected data after the top-level value', p.pos);
  return value;
}

class Parser {
  pos = 0;
  constructor(private readonly s: string) {}

  skipSpace(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.pos++;
      else break;
    }
  }

  value(depth: number): JSONValue {
    if (depth > MAX_DEPTH) throw new JSONSyntaxError('nesting too deep', this.pos);
    const s = this.s;
    if (this.pos >= s.length) throw new JSONSyntaxError('unexpected end of JSON input', this.pos);
    const c = s[this.pos]!;
    switch (c) {
      case '{':
        return this.object(depth);
      case '[':
        return this.array(depth);
      case '"':
        return this.string();
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', null);
      default: {
        NUMBER_RE.lastIndex = this.pos;
        const m = NUMBER_RE.exec(s);
        if (!m) throw new JSONSyntaxError(`invalid character ${JSON.stringify(c)} looking for beginning of value`, this.pos);
        this.pos += m[0].length;
        return new JSONNumber(m[0]);
      }
    }
  }

  literal<T>(word: string, v: T): T {
    if (!this.s.startsWith(word, this.pos)) throw new JSONSyntaxError(`invalid literal, expected ${word}`, this.pos);
    this.pos += word.length;
    return v;
  }

  object(depth: number): JSONObject {
    const members: Array<[string, JSONValue]> = [];
    this.pos++; // '{'
    this.skipSpace();
    if (this.s[this.pos] === '}') {
      this.pos++;
      return new JSONObject(members);
    }
    for (;;) {
      this.skipSpace();
      if (this.s[this.pos] !== '"') throw new JSONSyntaxError('expected a string for an object key', this.pos);
      const key = this.string();
      this.skipSpace();
      if (this.s[this.pos] !== ':') throw new JSONSyntaxError("expected ':' after object key", this.pos);
      this.pos++;
      this.skipSpace();
      members.push([key, this.value(depth + 1)]);
      this.skipSpace();
      const c = this.s[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === '}') {
        this.pos++;
        return new JSONObject(members);
      }
      throw new JSONSyntaxError(c === undefined ? 'unexpected end of JSON input' : "expected ',' or '}'", this.pos);
    }
  }

  array(depth: number): JSONValue[] {
    const items: JSONValue[] = [];
    this.pos++; // '['
    this.skipSpace();
    if (this.s[this.pos] === ']') {
      this.pos++;
      return items;
    }
    for (;;) {
      this.skipSpace();
      items.push(this.value(depth + 1));
      this.skipSpace();
      const c = this.s[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === ']') {
        this.pos++;
        return items;
      }
      throw new JSONSyntaxError(c === undefined ? 'unexpected end of JSON input' : "expected ',' or ']'", this.pos);
    }
  }

  string(): string {
    const s = this.s;
    const start = this.pos;
    // Fast path: no escapes and no control characters up to the closing quote.
    const end = s.indexOf('"', start + 1);
    if (end > 0) {
      const body = s.slice(start + 1, end);
      if (!ESCAPE_OR_CONTROL_RE.test(body)) {
        this.pos = end + 1;
        return body;
      }
    }
    this.pos++; // opening quote
    let out = '';
    let chunkStart = this.pos;
    for (;;) {
      if (this.pos >= s.length) throw new JSONSyntaxError('unterminated string', start);
      const c = s.charCodeAt(this.pos);
      if (c === 0x22) {
        out += s.slice(chunkStart, this.pos);
        this.pos++;
        return out;
      }
      if (c < 0x20) throw new JSONSyntaxError('control character in string', this.pos);
      if (c !== 0x5c) {
        this.pos++;
        continue;
      }
      out += s.slice(chunkStart, this.pos);
      const e = s[this.pos + 1];
      this.pos += 2;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const hex = s.slice(this.pos, this.pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new JSONSyntaxError('invalid \\u escape', this.pos - 2);
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 4;
          break;
        }
        default:
          throw new JSONSyntaxError('invalid escape in string', this.pos - 2);
      }
      chunkStart = this.pos;
    }
  }
}

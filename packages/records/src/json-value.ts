/**
 * The value model our strict JSON parser produces. Numbers keep their source text so integers
 * can be checked strictly (Go refuses `1.0` for an int64) and unknown members can be written
 * back byte for byte; objects keep member order and duplicates (the last one wins on decode).
 */
export class JSONNumber {
  constructor(readonly text: string) {}
  /** The value as a float64, the way Go decodes numbers into interface{}. */
  toNumber(): number {
    return Number(this.text);
  }
  /** True when the text is an integer literal (no fraction, no exponent). */
  isIntegerLiteral(): boolean {
    return /^-?(0|[1-9][0-9]*)$/.test(this.text);
  }
}

export class JSONObject {
  constructor(readonly members: Array<[string, JSONValue]>) {}
  /** The last member with exactly this name (JSON allows duplicates; the last one wins). */
  get(name: string): JSONValue | undefined {
    for (let i = this.members.length - 1; i >= 0; i--) {
      const m = this.members[i]!;
      if (m[0] === name) return m[1];
    }
    return undefined;
  }
}

export type JSONValue = null | boolean | string | JSONNumber | JSONValue[] | JSONObject;

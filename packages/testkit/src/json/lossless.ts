// Lossless JSON: numbers keep their exact source text, and bigint values are written as bare
// digits. Exchanges send integers above 2^53 (Upbit sequential_id) and floats like `127.0`;
// JSON.parse/JSON.stringify would round the first and rewrite the second, so the fake server
// builds and rewrites frames through this module instead.

/** A JSON number kept as its original text (e.g. `127.0`, `1618678262000003`). */
export class JsonNumber {
  constructor(readonly raw: string) {}
  toNumber(): number {
    return Number(this.raw);
  }
  toBigInt(): bigint {
    return BigInt(this.raw);
  }
}

export type JsonValue = null | boolean | string | number | bigint | JsonNumber | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);
}

/** Number value of a JsonNumber, number or numeric string; NaN otherwise. */
export function numberOf(value: JsonValue | undefined): number {
  if (value instanceof JsonNumber) return value.toNumber();
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') return Number(value);
  return Number.NaN;
}

export function stringifyLossless(value: JsonValue): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as JSON`);
      return JSON.stringify(value);
    case 'bigint':
      return value.toString();
  }
  if (value instanceof JsonNumber) return value.raw;
  if (Array.isArray(value)) return `[${value.map(stringifyLossless).join(',')}]`;
  const parts: string[] = [];
  for (const [key, item] of Object.entries(value)) parts.push(`${JSON.stringify(key)}:${stringifyLossless(item)}`);
  return `{${parts.join(',')}}`;
}

export class JsonSyntaxError extends Error {}

/** Parses JSON text keeping every number as a JsonNumber. Throws JsonSyntaxError. */
export function parseLossless(text: string): JsonValue {
  let pos = 0;
  const fail = (what: string): never => {
    throw new JsonSyntaxError(`${what} at position ${pos}`);
  };
  const skipSpace = (): void => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
  };
  /** Skips white space, then consumes `char` if it comes next. */
  const eat = (char: string): boolean => {
    skipSpace();
    if (text[pos] !== char) return false;
    pos++;
    return true;
  };
  const parseString = (): string => {
    const start = pos;
    pos++;
    let simple = true;
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        pos++;
        const body = text.slice(start, pos);
        return simple ? body.slice(1, -1) : (JSON.parse(body) as string);
      }
      if (c === 0x5c) {
        simple = false;
        pos += 2;
      } else pos++;
    }
    return fail('unterminated string');
  };
  const numberPattern = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const parseValue = (): JsonValue => {
    skipSpace();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const obj: JsonObject = {};
      if (eat('}')) return obj;
      for (;;) {
        skipSpace();
        if (text[pos] !== '"') fail('expected key');
        const key = parseString();
        if (!eat(':')) fail('expected colon');
        obj[key] = parseValue();
        if (eat('}')) return obj;
        if (!eat(',')) fail('expected , or }');
      }
    }
    if (c === '[') {
      pos++;
      const arr: JsonValue[] = [];
      if (eat(']')) return arr;
      for (;;) {
        arr.push(parseValue());
        if (eat(']')) return arr;
        if (!eat(',')) fail('expected , or ]');
      }
    }
    if (c === '"') return parseString();
    if (text.startsWith('true', pos)) {
      pos += 4;
      return true;
    }
    if (text.startsWith('false', pos)) {
      pos += 5;
      return false;
    }
    if (text.startsWith('null', pos)) {
      pos += 4;
      return null;
    }
    numberPattern.lastIndex = pos;
    const match = numberPattern.exec(text);
    if (!match) return fail('unexpected token');
    pos += match[0].length;
    return new JsonNumber(match[0]);
  };
  const value = parseValue();
  skipSpace();
  if (pos !== text.length) fail('trailing characters');
  return value;
}

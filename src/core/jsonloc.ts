// jsonloc.ts - a small JSON parser that keeps the source range of every value,
// so that a validation error can point at the exact place in the file.

export interface Range {
  readonly start: number; // offset of the first character
  readonly end: number;   // offset one past the last character
}

export type JsonNode =
  | { kind: 'object'; range: Range; entries: JsonEntry[] }
  | { kind: 'array'; range: Range; items: JsonNode[] }
  | { kind: 'string'; range: Range; value: string }
  | { kind: 'number'; range: Range; value: number }
  | { kind: 'boolean'; range: Range; value: boolean }
  | { kind: 'null'; range: Range };

export interface JsonEntry {
  readonly key: string;
  readonly keyRange: Range;
  readonly value: JsonNode;
}

export class JsonSyntaxError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

/** Parses strict JSON (no comments, no trailing commas). Throws JsonSyntaxError. */
export function parseJson(text: string): JsonNode {
  const p = new Parser(text);
  p.skipSpace();
  const node = p.value();
  p.skipSpace();
  if (p.pos < text.length) p.fail('unexpected text after the JSON value');
  return node;
}

/** Line and column (both 0-based) of an offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart };
}

/** Converts a JSON node back into a plain JavaScript value. */
export function toValue(node: JsonNode): unknown {
  switch (node.kind) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const e of node.entries) out[e.key] = toValue(e.value);
      return out;
    }
    case 'array':
      return node.items.map(toValue);
    case 'null':
      return null;
    default:
      return node.value;
  }
}

class Parser {
  pos = 0;
  constructor(private readonly text: string) {}

  fail(message: string, at = this.pos): never {
    throw new JsonSyntaxError(message, at);
  }

  skipSpace(): void {
    while (this.pos < this.text.length && ' \t\r\n'.includes(this.text[this.pos]!)) this.pos++;
  }

  value(): JsonNode {
    const c = this.text[this.pos];
    if (c === undefined) this.fail('unexpected end of file, expected a value');
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') {
      const start = this.pos;
      const value = this.string();
      return { kind: 'string', range: { start, end: this.pos }, value };
    }
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    for (const [word, node] of [
      ['true', { kind: 'boolean', value: true }],
      ['false', { kind: 'boolean', value: false }],
      ['null', { kind: 'null' }],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        const start = this.pos;
        this.pos += word.length;
        return { ...node, range: { start, end: this.pos } } as JsonNode;
      }
    }
    return this.fail(`unexpected character '${c}', expected a value`);
  }

  object(): JsonNode {
    const start = this.pos++;
    const entries: JsonEntry[] = [];
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { kind: 'object', range: { start, end: this.pos }, entries };
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') this.fail('expected a property name in double quotes');
      const keyStart = this.pos;
      const key = this.string();
      const keyRange = { start: keyStart, end: this.pos };
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.fail("expected ':' after the property name");
      this.pos++;
      this.skipSpace();
      entries.push({ key, keyRange, value: this.value() });
      this.skipSpace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === '}') return { kind: 'object', range: { start, end: this.pos }, entries };
      if (c !== ',') this.fail("expected ',' or '}'", this.pos - 1);
    }
  }

  array(): JsonNode {
    const start = this.pos++;
    const items: JsonNode[] = [];
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { kind: 'array', range: { start, end: this.pos }, items };
    }
    for (;;) {
      this.skipSpace();
      items.push(this.value());
      this.skipSpace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === ']') return { kind: 'array', range: { start, end: this.pos }, items };
      if (c !== ',') this.fail("expected ',' or ']'", this.pos - 1);
    }
  }

  string(): string {
    const start = this.pos++;
    let out = '';
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined || c === '\n') this.fail('unterminated string', start);
      this.pos++;
      if (c === '"') return out;
      if (c !== '\\') {
        if (c.charCodeAt(0) < 0x20) this.fail('control character in string', this.pos - 1);
        out += c;
        continue;
      }
      const e = this.text[this.pos++];
      const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e !== undefined && e in simple) {
        out += simple[e];
      } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(this.text.slice(this.pos, this.pos + 4))) {
        out += String.fromCharCode(parseInt(this.text.slice(this.pos, this.pos + 4), 16));
        this.pos += 4;
      } else {
        this.fail('invalid escape in string', this.pos - 2);
      }
    }
  }

  number(): JsonNode {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.text.slice(this.pos));
    if (!m) return this.fail('invalid number');
    const start = this.pos;
    this.pos += m[0].length;
    return { kind: 'number', range: { start, end: this.pos }, value: Number(m[0]) };
  }
}

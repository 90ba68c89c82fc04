// mi.ts - a gdb/MI client: starts gdb with --interpreter=mi3, parses its
// records (result, async, stream), correlates results with the tokens of the
// commands that asked for them, and surfaces async records as events. It
// knows nothing of DAP; gdb's human-readable output is never interpreted.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';

/** A value in an MI record: a C string, a tuple or a list. Lists of
 * results (`[frame={...},frame={...}]`) keep only the values. */
export type MiValue = string | MiTuple | MiValue[];
export interface MiTuple {
  [key: string]: MiValue;
}

export type MiResultClass = 'done' | 'running' | 'connected' | 'error' | 'exit';

/** `^class,results` answering the command with the same token. */
export interface MiResultRecord {
  type: 'result';
  token?: number;
  cls: MiResultClass;
  results: MiTuple;
}

/** `*` exec (running, stopped), `+` status, `=` notify (breakpoint-modified...). */
export interface MiAsyncRecord {
  type: 'async';
  kind: 'exec' | 'status' | 'notify';
  token?: number;
  cls: string;
  results: MiTuple;
}

/** `~` console, `@` target, `&` log text. */
export interface MiStreamRecord {
  type: 'stream';
  kind: 'console' | 'target' | 'log';
  text: string;
}

export type MiRecord = MiResultRecord | MiAsyncRecord | MiStreamRecord | { type: 'prompt' };

/** An MI syntax error in gdb's output. */
export class MiParseError extends Error {
  override readonly name = 'MiParseError';
}

/** A command that gdb answered with ^error; msg is gdb's message. */
export class MiCommandError extends Error {
  override readonly name = 'MiCommandError';
  constructor(
    readonly command: string,
    readonly msg: string,
    readonly code?: string,
  ) {
    super(msg);
  }
}

const ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, e: 27, '"': 34, '\\': 92, "'": 39 };

/** A cursor over one line of MI output. */
class Reader {
  i = 0;
  constructor(readonly s: string) {}

  peek(): string {
    return this.s[this.i] ?? '';
  }

  expect(c: string): void {
    if (this.s[this.i] !== c) throw new MiParseError(`expected '${c}' at column ${this.i} of: ${this.s}`);
    this.i++;
  }

  /** A C string starting at the opening quote; octal escapes are bytes
   * (gdb escapes non-ASCII UTF-8 that way), decoded as UTF-8. */
  cstring(): string {
    this.expect('"');
    const bytes: number[] = [];
    for (;;) {
      if (this.i >= this.s.length) throw new MiParseError(`unterminated string in: ${this.s}`);
      const c = this.s[this.i++];
      if (c === '"') break;
      if (c !== '\\') {
        for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
        continue;
      }
      const e = this.s[this.i++] ?? '';
      if (/[0-7]/.test(e)) {
        let oct = e;
        while (oct.length < 3 && /[0-7]/.test(this.peek())) oct += this.s[this.i++];
        bytes.push(parseInt(oct, 8) & 0xff);
      } else if (e in ESCAPES) {
        bytes.push(ESCAPES[e]);
      } else {
        for (const b of Buffer.from(e, 'utf8')) bytes.push(b);
      }
    }
    return Buffer.from(bytes).toString('utf8');
  }

  variable(): string {
    const start = this.i;
    while (this.i < this.s.length && /[A-Za-z0-9_-]/.test(this.s[this.i])) this.i++;
    if (this.i === start) throw new MiParseError(`expected a name at column ${start} of: ${this.s}`);
    return this.s.slice(start, this.i);
  }

  value(): MiValue {
    const c = this.peek();
    if (c === '"') return this.cstring();
    if (c === '{') return this.tuple();
    if (c === '[') return this.list();
    throw new MiParseError(`expected a value at column ${this.i} of: ${this.s}`);
  }

  tuple(): MiTuple {
    this.expect('{');
    const t: MiTuple = {};
    if (this.peek() === '}') {
      this.i++;
      return t;
    }
    for (;;) {
      const [k, v] = this.result();
      addResult(t, k, v);
      if (this.peek() === ',') this.i++;
      else break;
    }
    this.expect('}');
    return t;
  }

  list(): MiValue[] {
    this.expect('[');
    const l: MiValue[] = [];
    if (this.peek() === ']') {
      this.i++;
      return l;
    }
    for (;;) {
      const c = this.peek();
      if (c === '"' || c === '{' || c === '[') l.push(this.value());
      else l.push(this.result()[1]);
      if (this.peek() === ',') this.i++;
      else break;
    }
    this.expect(']');
    return l;
  }

  result(): [string, MiValue] {
    const k = this.variable();
    this.expect('=');
    return [k, this.value()];
  }

  /** `,result` pairs up to the end of the line; a bare value (gdb writes
   * `+download,{...}`) is kept under the key "". */
  results(): MiTuple {
    const t: MiTuple = {};
    while (this.peek() === ',') {
      this.i++;
      const c = this.peek();
      if (c === '{' || c === '[' || c === '"') addResult(t, '', this.value());
      else addResult(t, ...this.result());
    }
    if (this.i !== this.s.length) throw new MiParseError(`trailing text at column ${this.i} of: ${this.s}`);
    return t;
  }
}

/** Lists made by a repeated key (gdb repeats a key in a few tuples). */
const repeated = new WeakSet<MiValue[]>();

function addResult(t: MiTuple, k: string, v: MiValue): void {
  if (!(k in t)) {
    t[k] = v;
    return;
  }
  const old = t[k];
  if (Array.isArray(old) && repeated.has(old)) {
    old.push(v);
  } else {
    const l = [old, v];
    repeated.add(l);
    t[k] = l;
  }
}

/** Parse one line of gdb/MI output; undefined for a line that is not MI
 * (e.g. text a program wrote to gdb's terminal). */
export function parseMiLine(line: string): MiRecord | undefined {
  const s = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (/^\(gdb\) ?$/.test(s)) return { type: 'prompt' };
  const m = /^(\d*)([\^*+=~@&])/.exec(s);
  if (!m) return undefined;
  const token = m[1] ? Number(m[1]) : undefined;
  const r = new Reader(s);
  r.i = m[0].length;
  switch (m[2]) {
    case '~':
    case '@':
    case '&': {
      const text = r.cstring();
      return { type: 'stream', kind: m[2] === '~' ? 'console' : m[2] === '@' ? 'target' : 'log', text };
    }
    case '^': {
      const cls = r.variable();
      if (!['done', 'running', 'connected', 'error', 'exit'].includes(cls)) throw new MiParseError(`unknown result class '${cls}' in: ${s}`);
      return { type: 'result', token, cls: cls as MiResultClass, results: r.results() };
    }
    default: {
      const cls = r.variable();
      const kind = m[2] === '*' ? 'exec' : m[2] === '+' ? 'status' : 'notify';
      return { type: 'async', kind, token, cls, results: r.results() };
    }
  }
}

/** Quote one argument of an MI command as a C string when it needs it. */
export function miQuote(s: string): string {
  if (/^[A-Za-z0-9_./:+*$-]+$/.test(s)) return s;
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** A string field of a tuple, or undefined. */
export function str(t: MiValue | undefined, key: string): string | undefined {
  if (!t || typeof t !== 'object' || Array.isArray(t)) return undefined;
  const v = t[key];
  return typeof v === 'string' ? v : undefined;
}

/** A tuple field of a tuple, or undefined. */
export function tup(t: MiValue | undefined, key: string): MiTuple | undefined {
  if (!t || typeof t !== 'object' || Array.isArray(t)) return undefined;
  const v = t[key];
  return v && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
}

/** A list field of a tuple ([] when absent). */
export function list(t: MiValue | undefined, key: string): MiValue[] {
  if (!t || typeof t !== 'object' || Array.isArray(t)) return [];
  const v = t[key];
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
}

interface Pending {
  command: string;
  resolve: (r: MiResultRecord) => void;
  reject: (e: Error) => void;
}

export interface MiClientEvents {
  /** `*running`, `*stopped`... */
  exec: [MiAsyncRecord];
  /** `=thread-created`, `=breakpoint-modified`... */
  notify: [MiAsyncRecord];
  /** console, target and log stream text. */
  stream: [MiStreamRecord];
  /** gdb ended. */
  exit: [number | null, NodeJS.Signals | null];
  /** a line that could not be parsed (reported, never fatal). */
  error: [Error];
}

/** One gdb process driven through MI. */
export class MiClient extends EventEmitter<MiClientEvents> {
  private proc: ChildProcess | undefined;
  private nextToken = 1;
  private readonly pending = new Map<number, Pending>();
  private buf = '';
  private exited = false;
  /** Every line read, for diagnostics (the last 200). */
  readonly transcript: string[] = [];

  /** Start gdb (path, default "gdb") in MI mode without any init file. */
  start(gdbPath = 'gdb', extraArgs: readonly string[] = [], cwd?: string): void {
    const p = spawn(gdbPath, ['--interpreter=mi3', '-nx', '-q', ...extraArgs], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc = p;
    p.stdout!.setEncoding('utf8');
    p.stdout!.on('data', (d: string) => this.onData(d));
    p.stderr!.setEncoding('utf8');
    p.stderr!.on('data', (d: string) => this.emit('stream', { type: 'stream', kind: 'log', text: d }));
    p.stdin!.on('error', () => {}); // gdb gone: the exit handler rejects what is pending
    p.once('error', (e: NodeJS.ErrnoException) =>
      this.onExit(null, null, e.code === 'ENOENT' ? new Error(`${gdbPath} not found: install Debian's gdb (apt-get install gdb)`) : e));
    p.once('exit', (code, sig) => this.onExit(code, sig));
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get running(): boolean {
    return !!this.proc && !this.exited;
  }

  /** Send one MI command (without token); resolves with its result record
   * (done, running, connected), rejects with MiCommandError on ^error. */
  send(command: string): Promise<MiResultRecord> {
    if (!this.proc || this.exited) return Promise.reject(new Error(`gdb is not running (command ${command})`));
    const token = this.nextToken++;
    return new Promise((resolve, reject) => {
      this.pending.set(token, { command, resolve, reject });
      this.proc!.stdin!.write(`${token}${command}\n`);
    });
  }

  /** Kill gdb (SIGKILL after graceMs if -gdb-exit did not end it). */
  async stop(graceMs = 1000): Promise<void> {
    const p = this.proc;
    if (!p || this.exited) return;
    const gone = new Promise<void>((res) => p.once('exit', () => res()));
    try {
      p.stdin!.write('-gdb-exit\n');
    } catch {
      // stdin already closed: the kill below ends it
    }
    const t = setTimeout(() => p.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(t);
  }

  private onData(d: string): void {
    this.buf += d;
    let nl;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      this.onLine(line);
    }
  }

  private onLine(line: string): void {
    this.transcript.push(line);
    if (this.transcript.length > 200) this.transcript.shift();
    let rec: MiRecord | undefined;
    try {
      rec = parseMiLine(line);
    } catch (e) {
      this.emit('error', e as Error);
      return;
    }
    if (!rec || rec.type === 'prompt') return;
    if (rec.type === 'stream') {
      this.emit('stream', rec);
    } else if (rec.type === 'async') {
      this.emit(rec.kind === 'exec' ? 'exec' : 'notify', rec);
    } else {
      const p = rec.token !== undefined ? this.pending.get(rec.token) : undefined;
      if (!p) return; // a result nobody waits for (e.g. -gdb-exit's ^exit)
      this.pending.delete(rec.token!);
      if (rec.cls === 'error') p.reject(new MiCommandError(p.command, str(rec.results, 'msg') ?? 'gdb error', str(rec.results, 'code')));
      else p.resolve(rec);
    }
  }

  private onExit(code: number | null, sig: NodeJS.Signals | null, err?: Error): void {
    if (this.exited) return;
    this.exited = true;
    for (const [, p] of this.pending) p.reject(err ?? new Error(`gdb exited (${code ?? sig}) before answering ${p.command}`));
    this.pending.clear();
    this.emit('exit', code, sig);
  }
}

// breakpoints.ts - the user's breakpoints as gdb breakpoints: source lines
// (program or kernel), functions (any gdb location) and instructions, each
// kind replaced as a whole as DAP sets it, with conditions and hit counts.
// The caller makes sure the target is stopped (gdb changes breakpoints only then).
import { Breakpoint, Source } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { basename } from 'node:path';
import { list, miQuote, str, tup, type MiClient, type MiTuple } from './mi';

/** One breakpoint as DAP describes it, with where gdb should put it. */
interface Wanted {
  location: string;
  condition?: string;
  hitCondition?: string;
  /** -f: pending until the location exists (source and function breakpoints). */
  pending: boolean;
  line?: number;
  instructionReference?: string;
}

/** gdb's ignore count for a DAP hit condition: "N" or ">= N" stops from the N-th hit on. */
export function hitOption(hit: string | undefined): string {
  if (!hit || !hit.trim()) return '';
  const m = /^\s*(?:>=|==)?\s*(\d+)\s*$/.exec(hit);
  if (!m) throw new Error(`hit condition '${hit}' is not understood: use N or >= N (stop from the N-th hit on)`);
  const n = Number(m[1]);
  return n > 1 ? `-i ${n - 1} ` : '';
}

/** A DAP breakpoint from gdb's answer to -break-insert. */
function fromMi(r: MiTuple | undefined, fallbackLine?: number): DebugProtocol.Breakpoint {
  const b = tup(r, 'bkpt');
  const loc = b && (str(b, 'line') ? b : (list(b, 'locations')[0] as MiTuple | undefined));
  const line = Number(str(loc, 'line') ?? fallbackLine);
  const file = str(loc, 'fullname');
  const pending = !!(b && str(b, 'pending'));
  const bp: DebugProtocol.Breakpoint = new Breakpoint(!pending, Number.isFinite(line) ? line : undefined, undefined, file ? new Source(basename(file), file) : undefined);
  bp.id = Number(str(b, 'number'));
  if (pending) bp.message = 'no code here in the program or the kernel (pending)';
  return bp;
}

export class Breakpoints {
  /** gdb numbers by kind: "source:PATH", "function", "instruction". */
  private readonly sets = new Map<string, string[]>();
  private readonly functionIds = new Set<string>();

  constructor(private readonly gdb: MiClient) {}

  /** Is gdb breakpoint n one of the function breakpoints? */
  isFunction(n: string): boolean {
    return this.functionIds.has(n);
  }

  private async replace(kind: string, wanted: readonly Wanted[]): Promise<DebugProtocol.Breakpoint[]> {
    const old = this.sets.get(kind) ?? [];
    if (old.length) await this.gdb.send(`-break-delete ${old.join(' ')}`);
    const ids: string[] = [];
    const out: DebugProtocol.Breakpoint[] = [];
    for (const w of wanted) {
      try {
        const cond = w.condition ? `-c ${miQuote(w.condition)} ` : '';
        const r = await this.gdb.send(`-break-insert ${w.pending ? '-f ' : ''}${cond}${hitOption(w.hitCondition)}${w.location}`);
        const bp = fromMi(r.results, w.line);
        if (w.instructionReference) bp.instructionReference = w.instructionReference;
        ids.push(String(bp.id));
        out.push(bp);
      } catch (e) {
        const bp: DebugProtocol.Breakpoint = new Breakpoint(false, w.line);
        bp.message = e instanceof Error ? e.message : String(e);
        out.push(bp);
      }
    }
    this.sets.set(kind, ids);
    return out;
  }

  setSource(path: string, bps: readonly DebugProtocol.SourceBreakpoint[]): Promise<DebugProtocol.Breakpoint[]> {
    return this.replace(`source:${path}`, bps.map((b) => ({
      location: `--source ${miQuote(path)} --line ${b.line}`, condition: b.condition, hitCondition: b.hitCondition, pending: true, line: b.line,
    })));
  }

  async setFunctions(bps: readonly DebugProtocol.FunctionBreakpoint[]): Promise<DebugProtocol.Breakpoint[]> {
    const out = await this.replace('function', bps.map((b) => ({ location: miQuote(b.name), condition: b.condition, hitCondition: b.hitCondition, pending: true })));
    this.functionIds.clear();
    for (const n of this.sets.get('function') ?? []) this.functionIds.add(n);
    return out;
  }

  setInstructions(bps: readonly DebugProtocol.InstructionBreakpoint[]): Promise<DebugProtocol.Breakpoint[]> {
    return this.replace('instruction', bps.map((b) => {
      const ref = `0x${(BigInt(b.instructionReference) + BigInt(b.offset ?? 0)).toString(16)}`;
      return { location: `*${ref}`, condition: b.condition, hitCondition: b.hitCondition, pending: false, instructionReference: ref };
    }));
  }
}

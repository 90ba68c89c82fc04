// variables.ts - what a stop shows: frame ids, scopes (locals, arguments,
// registers), variables with children through gdb variable objects, set
// value and evaluate. Everything here is valid for one stop; reset() before
// the target runs again.
import { Handles, Scope } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { list, miQuote, str, type MiTuple } from './mi';
import type { Target } from './target';

export interface FrameRef {
  thread: number;
  level: number;
  /** For a frame not on the vCPU's own stack (a program frame below a
   * system call, a frame of a switched-out thread): the registers to put
   * into the vCPU while it is looked at. */
  regs?: Map<string, string>;
}

type VarRef =
  | ({ kind: 'locals' | 'args' | 'registers' } & FrameRef)
  | ({ kind: 'varobj'; name: string; indexed: boolean } & FrameRef);

/** Registers shown in the Registers scope (vector and x87 registers are left out). */
const SHOWN_REGS = [
  'rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15',
  'rip', 'eflags', 'cs', 'ss', 'ds', 'es', 'fs', 'gs', 'fs_base', 'gs_base', 'k_gs_base', 'cr0', 'cr2', 'cr3', 'cr4', 'efer',
];
/** Arrays with more elements than this are paged (indexedVariables). */
const PAGE_ARRAYS = 100;

const STALE = 'the program ran since: this value is gone';

export class Variables {
  private frames = new Handles<FrameRef>();
  private vars = new Handles<VarRef>();
  private varobjs: string[] = [];

  constructor(private readonly t: Target) {}

  private mi(cmd: string) {
    return this.t.gdb.send(cmd);
  }

  /** Forget this stop: frame ids, references, gdb's variable objects. */
  async reset(): Promise<void> {
    const names = this.varobjs;
    this.varobjs = [];
    this.frames.reset();
    this.vars.reset();
    for (const n of names) await this.mi(`-var-delete ${n}`).catch(() => undefined);
  }

  frameId(f: FrameRef): number {
    return this.frames.create(f);
  }

  frame(id: number): FrameRef {
    const f = this.frames.get(id);
    if (!f) throw new Error(STALE);
    return f;
  }

  scopes(frameId: number): DebugProtocol.Scope[] {
    const f = this.frame(frameId);
    const scope = (name: string, kind: 'locals' | 'args' | 'registers', hint: string, expensive: boolean) => {
      const s: DebugProtocol.Scope = new Scope(name, this.vars.create({ kind, ...f }), expensive);
      s.presentationHint = hint;
      return s;
    };
    return [scope('Locals', 'locals', 'locals', false), scope('Arguments', 'args', 'arguments', false), scope('Registers', 'registers', 'registers', true)];
  }

  /** fn with f's registers in the vCPU when f is not the vCPU's own (below
   * a system call, a switched-out thread); alone (target.exclusive), so
   * that no other request's borrowed registers are in the vCPU meanwhile. */
  private within<T>(f: FrameRef, fn: () => Promise<T>): Promise<T> {
    return this.t.exclusive(() => (f.regs ? this.t.withRegisters(f.thread, f.regs, fn) : fn()));
  }

  async variables(ref: number, start?: number, count?: number): Promise<DebugProtocol.Variable[]> {
    const r = this.vars.get(ref);
    if (!r) throw new Error(STALE);
    return this.within(r, () => {
      if (r.kind === 'registers') return this.registers(r);
      if (r.kind === 'varobj') return this.children(r, start, count);
      return this.frameVariables(r.kind, r);
    });
  }

  private async registers(f: FrameRef): Promise<DebugProtocol.Variable[]> {
    const hex = await this.t.readRegisters(f.thread, SHOWN_REGS, 'x', f.level);
    const flags = (await this.t.readRegisters(f.thread, ['eflags'], 'N', f.level)).get('eflags');
    return [...hex].map(([name, value]) => ({
      name,
      value: name === 'eflags' && flags ? `${value} ${flags}` : value,
      evaluateName: `$${name}`,
      variablesReference: 0,
    }));
  }

  /** A new gdb variable object for expr in a frame: its name and gdb's answer. */
  private async create(expr: string, f: FrameRef): Promise<{ vname: string; t: MiTuple }> {
    const r = await this.mi(`-var-create --thread ${f.thread} --frame ${f.level} - * ${miQuote(expr)}`);
    const vname = str(r.results, 'name');
    if (!vname) throw new Error(`gdb made no variable object for ${expr}`);
    this.varobjs.push(vname);
    return { vname, t: r.results };
  }

  /** A variable object for expr in a frame, as a DAP variable called name. */
  private async varobj(name: string, expr: string, f: FrameRef): Promise<DebugProtocol.Variable> {
    const { vname, t } = await this.create(expr, f);
    return this.variableOf(name, t, vname, f, expr);
  }

  private variableOf(name: string, t: MiTuple, vname: string, f: FrameRef, evaluateName?: string): DebugProtocol.Variable {
    const numchild = Number(str(t, 'numchild') ?? 0);
    const type = str(t, 'type') ?? '';
    const indexed = /\]$/.test(type) && numchild > PAGE_ARRAYS;
    const v: DebugProtocol.Variable = {
      name,
      value: str(t, 'value') ?? '',
      type,
      variablesReference: numchild > 0 ? this.vars.create({ kind: 'varobj', name: vname, indexed, thread: f.thread, level: f.level, regs: f.regs }) : 0,
    };
    if (evaluateName) v.evaluateName = evaluateName;
    if (indexed) v.indexedVariables = numchild;
    const pointer = /\*\s*$/.test(type) && /^0x[0-9a-f]+/.exec(v.value);
    if (pointer) v.memoryReference = pointer[0];
    return v;
  }

  private async frameVariables(kind: 'locals' | 'args', f: FrameRef): Promise<DebugProtocol.Variable[]> {
    const r = await this.mi(`-stack-list-variables --thread ${f.thread} --frame ${f.level} --no-values`);
    const out: DebugProtocol.Variable[] = [];
    for (const v of list(r.results, 'variables')) {
      if ((str(v, 'arg') === '1') !== (kind === 'args')) continue;
      const name = str(v, 'name')!;
      try {
        out.push(await this.varobj(name, name, f));
      } catch (e) {
        out.push({ name, value: `<${e instanceof Error ? e.message : String(e)}>`, variablesReference: 0 });
      }
    }
    return out;
  }

  private async children(ref: Extract<VarRef, { kind: 'varobj' }>, start?: number, count?: number): Promise<DebugProtocol.Variable[]> {
    const range = ref.indexed && count ? ` ${start ?? 0} ${(start ?? 0) + count}` : '';
    const r = await this.mi(`-var-list-children --all-values ${ref.name}${range}`);
    const out: DebugProtocol.Variable[] = [];
    for (const c of list(r.results, 'children') as MiTuple[]) {
      const vname = str(c, 'name')!;
      const exp = str(c, 'exp') ?? vname;
      // C++ access pseudo-children (public/private) have no type: show their members
      if (!str(c, 'type') && ['public', 'private', 'protected'].includes(exp)) {
        out.push(...(await this.children({ ...ref, name: vname, indexed: false })));
        continue;
      }
      out.push(this.variableOf(/^\d+$/.test(exp) ? `[${exp}]` : exp, c, vname, ref));
    }
    return out;
  }

  /** Assign value (a gdb expression) to the variable name under ref; the new value as shown. */
  async setVariable(ref: number, name: string, value: string): Promise<string> {
    const r = this.vars.get(ref);
    if (!r) throw new Error(STALE);
    if (r.regs && r.kind === 'registers') throw new Error("registers of a frame that is not the vCPU's own (below a system call, or of a thread on no vCPU) are read-only here");
    return this.within(r, () => this.assign(r, name, value));
  }

  private async assign(r: VarRef, name: string, value: string): Promise<string> {
    if (r.kind === 'registers') {
      await this.t.writeRegister(r.thread, name, value, r.level);
      return (await this.t.readRegisters(r.thread, [name], 'x', r.level)).get(name) ?? value;
    }
    let vname: string | undefined;
    if (r.kind === 'varobj') {
      const kids = await this.mi(`-var-list-children ${r.name}`);
      const c = (list(kids.results, 'children') as MiTuple[]).find((c) => str(c, 'exp') === name || `[${str(c, 'exp')}]` === name);
      vname = str(c, 'name');
    } else {
      vname = (await this.create(name, r)).vname;
    }
    if (!vname) throw new Error(`no variable ${name} here`);
    const a = await this.mi(`-var-assign ${vname} ${miQuote(value)}`);
    return str(a.results, 'value') ?? value;
  }

  /** Evaluate a gdb expression in a frame: its value, with children when it has any. */
  async evaluate(expr: string, f: FrameRef): Promise<DebugProtocol.Variable> {
    return this.within(f, () => this.evaluateHere(expr, f));
  }

  private async evaluateHere(expr: string, f: FrameRef): Promise<DebugProtocol.Variable> {
    try {
      return await this.varobj(expr, expr, f);
    } catch {
      // -var-create only says that it failed; gdb's evaluator says why
      const r = await this.mi(`-data-evaluate-expression --thread ${f.thread} --frame ${f.level} ${miQuote(expr)}`);
      return { name: expr, value: str(r.results, 'value') ?? '', variablesReference: 0 };
    }
  }

  /** A gdb command typed in the debug console (`-exec CMD`): its console output as it is. */
  async command(cmd: string, f: FrameRef): Promise<string> {
    let text = '';
    const grab = (s: { kind: string; text: string }) => {
      if (s.kind === 'console') text += s.text;
    };
    this.t.gdb.on('stream', grab);
    try {
      await this.within(f, () => this.mi(`-interpreter-exec --thread ${f.thread} --frame ${f.level} console ${miQuote(cmd)}`));
    } finally {
      this.t.gdb.off('stream', grab);
    }
    return text.replace(/\n$/, '');
  }
}

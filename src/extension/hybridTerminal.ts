// hybridTerminal.ts - a running hybrid in an integrated terminal, through a
// Pseudoterminal: the program's stdout/stderr are shown, typed lines reach its
// stdin (echoed, with backspace), Ctrl-C interrupts the run, Ctrl-D ends input.

import { createReadStream } from 'node:fs';
import * as vscode from 'vscode';
import { shQuote } from '../core/build';
import { FaultLocation, FaultParser, HybridProcess, RunSpec, describeExit } from '../core/run';

export interface RunEnd {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly fault?: FaultLocation;
  readonly durationMs: number;
}

/** Terminal text for output from a pipe: bare newlines become CR LF. */
export function toTerminalText(data: string): string {
  return data.replace(/\r?\n/g, '\r\n');
}

/**
 * A line editor for input typed into the terminal. `feed` takes what the
 * terminal sends and returns what to echo and what to deliver to the program.
 */
export class LineDiscipline {
  private line = '';

  feed(data: string): { echo: string; deliver: string[]; interrupt: boolean; eof: boolean } {
    let echo = '';
    const deliver: string[] = [];
    let interrupt = false;
    let eof = false;
    // Drop escape sequences (arrow keys and the like): there is no history to move in.
    const text = data.replace(/\x1b\[[0-9;?]*[A-Za-z~]|\x1bO[A-Za-z]/g, '');
    for (const ch of text) {
      if (ch === '\r' || ch === '\n') {
        echo += '\r\n';
        deliver.push(this.line + '\n');
        this.line = '';
      } else if (ch === '\x7f' || ch === '\b') {
        if (this.line.length > 0) {
          this.line = [...this.line].slice(0, -1).join('');
          echo += '\b \b';
        }
      } else if (ch === '\x03') {
        echo += '^C\r\n';
        this.line = '';
        interrupt = true;
      } else if (ch === '\x04') {
        if (this.line.length > 0) {
          deliver.push(this.line);
          this.line = '';
        } else {
          eof = true;
        }
      } else if (ch === '\x15') {
        echo += '\b \b'.repeat([...this.line].length);
        this.line = '';
      } else if (ch >= ' ' || ch === '\t') {
        this.line += ch;
        echo += ch;
      }
    }
    return { echo, deliver, interrupt, eof };
  }
}

/** The run's command line as shown to the user: without the files and lists the extension adds. */
export function shownCommand(args: readonly string[]): string {
  const hidden = new Set(['--log', '--stats', '--native', '--forward']);
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      out.push(...args.slice(i).map(shQuote));
      break;
    }
    if (hidden.has(a)) i++;
    else if (!a.startsWith('--stats=')) out.push(a);
  }
  return `multiverse ${out.join(' ')}`;
}

export class HybridTerminal implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number | void>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;

  private process: HybridProcess | undefined;
  private readonly discipline = new LineDiscipline();
  private stderrLine = '';
  private readonly faults = new FaultParser();
  private finished = false;
  private readonly ended: Promise<RunEnd>;
  private resolveEnded!: (end: RunEnd) => void;

  constructor(
    private readonly spec: RunSpec,
    private readonly title: string,
    private readonly onStart: (proc: HybridProcess) => void,
  ) {
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
  }

  /** Resolves when the run has ended. */
  get end(): Promise<RunEnd> {
    return this.ended;
  }

  get running(): boolean {
    return this.process?.running ?? false;
  }

  open(): void {
    this.writeEmitter.fire(`\x1b[2m$ ${shownCommand(this.spec.args)}\x1b[0m\r\n`);
    const proc = new HybridProcess(this.spec, {
      onStdout: (d) => this.writeEmitter.fire(toTerminalText(d)),
      onStderr: (d) => this.stderr(d),
      onExit: (code, signal) => this.exited(proc, code, signal),
    });
    this.process = proc;
    if (this.spec.stdinFile) {
      createReadStream(this.spec.stdinFile)
        .on('data', (d) => proc.write(d))
        .on('end', () => proc.endInput())
        .on('error', (e) => {
          this.writeEmitter.fire(toTerminalText(`multiverse: cannot read stdin file: ${e.message}\n`));
          proc.endInput();
        });
    }
    this.onStart(proc);
  }

  handleInput(data: string): void {
    if (this.finished) {
      this.closeEmitter.fire();
      return;
    }
    const r = this.discipline.feed(data);
    if (r.interrupt) {
      this.writeEmitter.fire(r.echo);
      this.process?.interrupt();
      return;
    }
    if (this.spec.stdinFile) return; // stdin comes from the manifest's file
    if (r.echo) this.writeEmitter.fire(r.echo);
    for (const line of r.deliver) this.process?.write(line);
    if (r.eof) this.process?.endInput();
  }

  /** Interrupts the run, as Ctrl-C would. */
  stop(): void {
    this.process?.interrupt();
  }

  close(): void {
    if (this.process?.running) this.process.interrupt();
  }

  private stderr(data: string): void {
    this.writeEmitter.fire(toTerminalText(data));
    const text = this.stderrLine + data;
    const lines = text.split('\n');
    this.stderrLine = lines.pop() ?? '';
    for (const l of lines) this.faults.feed(l);
  }

  private exited(proc: HybridProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stderrLine) this.faults.feed(this.stderrLine);
    this.finished = true;
    const end: RunEnd = { code, signal, fault: this.faults.location, durationMs: Date.now() - proc.started };
    this.writeEmitter.fire(`\r\n\x1b[2m${this.title} ${describeExit(code, signal)}. Press any key to close this terminal.\x1b[0m\r\n`);
    this.resolveEnded(end);
  }
}

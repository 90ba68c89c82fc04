// csource.ts - C source parsing with tree-sitter-c (web-tree-sitter): the functions a file defines, with their lines and signatures.

import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Node } from 'web-tree-sitter';

// require (not import): bundled to CommonJS, esbuild then takes the package's
// CommonJS build, which does not depend on import.meta.url.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Language, Parser } = require('web-tree-sitter') as typeof import('web-tree-sitter');
type Parser = import('web-tree-sitter').Parser;

/** A function definition found in a C source text. Lines are 1-based. */
export interface CFunction {
  readonly name: string;
  /** First line of the definition (its specifiers, e.g. `static int`). */
  readonly startLine: number;
  /** Line of the closing brace. */
  readonly endLine: number;
  /** Line of the function's name. */
  readonly nameLine: number;
  /** The declaration text, whitespace collapsed: `int foo(const char *s, size_t n)`. */
  readonly signature: string;
}

/** What moving a function needs beyond CFunction. */
export interface CFunctionDetail extends CFunction {
  readonly isStatic: boolean;
  readonly isInline: boolean;
  /** The parameter declarations as written (whitespace collapsed); [] for `(void)` or `()`. */
  readonly params: string[];
  /** The body text from `{` to `}` inclusive, verbatim. */
  readonly body: string;
  /** Character offsets of the whole definition in the text. */
  readonly startIndex: number;
  readonly endIndex: number;
}

const WASM_FILES = ['tree-sitter.wasm', 'tree-sitter-c.wasm'] as const;

/**
 * Directory holding NAME: next to the bundle (dist/, where esbuild.mjs copies
 * the .wasm files), else in node_modules of this checkout or of any parent of
 * the bundle or the working directory (unit tests bundle into a temp dir).
 */
function locate(name: (typeof WASM_FILES)[number]): string {
  const pkg = name === 'tree-sitter.wasm' ? 'web-tree-sitter' : 'tree-sitter-c';
  const starts = [__dirname, process.env.MULTIVERSE_ROOT, process.cwd()].filter((d): d is string => !!d);
  const tried: string[] = [];
  for (const start of starts) {
    for (let d = path.resolve(start); ; ) {
      for (const c of [path.join(d, name), path.join(d, 'dist', name), path.join(d, 'node_modules', pkg, name)]) {
        if (existsSync(c)) return c;
        tried.push(c);
      }
      const up = path.dirname(d);
      if (up === d) break;
      d = up;
    }
  }
  throw new Error(`${name} not found (looked next to ${__dirname} and in node_modules/${pkg}); run npm install and npm run build`);
}

let parserPromise: Promise<Parser> | undefined;

async function parser(): Promise<Parser> {
  parserPromise ??= (async () => {
    await Parser.init({ wasmBinary: readFileSync(locate('tree-sitter.wasm')) } as object);
    const c = await Language.load(readFileSync(locate('tree-sitter-c.wasm')));
    const p = new Parser();
    p.setLanguage(c);
    return p;
  })();
  try {
    return await parserPromise;
  } catch (e) {
    parserPromise = undefined;
    throw e;
  }
}

const squash = (s: string): string => s.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')').replace(/\*\s+(?=[A-Za-z_(])/g, '*').trim();

/** The function_declarator inside a definition's declarator (through pointers, parentheses, attributes). */
function functionDeclarator(n: Node | null): Node | undefined {
  for (let d = n; d; ) {
    if (d.type === 'function_declarator') {
      // `int (*f(void))(int)`: the outer declarator's inner one names the function
      const inner = d.childForFieldName('declarator');
      if (inner && inner.type !== 'identifier') {
        const deeper = functionDeclarator(inner);
        if (deeper) return deeper;
      }
      return d;
    }
    d = d.childForFieldName('declarator') ?? d.namedChildren.find((c) => c !== null && c.type.endsWith('declarator')) ?? null;
  }
  return undefined;
}

function identifierOf(fd: Node): Node | undefined {
  let d: Node | null = fd.childForFieldName('declarator');
  while (d && d.type !== 'identifier') d = d.childForFieldName('declarator') ?? d.namedChild(0);
  return d ?? undefined;
}

function detail(def: Node, text: string): CFunctionDetail | undefined {
  const fd = functionDeclarator(def.childForFieldName('declarator'));
  const body = def.childForFieldName('body');
  if (!fd || !body) return undefined;
  const id = identifierOf(fd);
  if (!id) return undefined;
  const specs = def.children.filter((c): c is Node => c !== null && (c.type === 'storage_class_specifier' || c.type === 'function_specifier'));
  const paramList = fd.childForFieldName('parameters');
  const params = (paramList?.namedChildren ?? [])
    .filter((p): p is Node => p !== null && (p.type === 'parameter_declaration' || p.type === 'variadic_parameter'))
    .map((p) => squash(p.text));
  const isVoid = params.length === 1 && params[0] === 'void';
  return {
    name: id.text,
    startLine: def.startPosition.row + 1,
    endLine: body.endPosition.row + 1,
    nameLine: id.startPosition.row + 1,
    signature: squash(text.slice(def.startIndex, body.startIndex)),
    isStatic: specs.some((s) => s.text === 'static'),
    isInline: specs.some((s) => /inline/.test(s.text)),
    params: isVoid ? [] : params,
    body: body.text,
    startIndex: def.startIndex,
    endIndex: def.endIndex,
  };
}

/**
 * Every function definition in TEXT (a C translation unit), in source order,
 * including those inside preprocessor conditionals. A definition whose name
 * comes from a macro expansion cannot be named and is left out; a broken
 * region (syntax errors) does not hide the functions around it.
 */
export async function functionsDetailIn(text: string): Promise<CFunctionDetail[]> {
  const tree = (await parser()).parse(text);
  if (!tree) throw new Error('tree-sitter returned no tree');
  try {
    const out: CFunctionDetail[] = [];
    const walk = (n: Node): void => {
      if (n.type === 'function_definition') {
        const d = detail(n, text);
        if (d) out.push(d);
        return;
      }
      for (const c of n.namedChildren) if (c) walk(c);
    };
    walk(tree.rootNode);
    return out;
  } finally {
    tree.delete();
  }
}

/** The functions TEXT defines: name, lines (1-based) and signature. */
export async function functionsIn(text: string): Promise<Array<{ name: string; startLine: number; endLine: number; nameLine: number; signature: string }>> {
  return (await functionsDetailIn(text)).map(({ name, startLine, endLine, nameLine, signature }) => ({ name, startLine, endLine, nameLine, signature }));
}

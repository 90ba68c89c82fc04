// placement.ts - adding a system call to the manifest's "placement" list as
// one minimal text edit, so the rest of the file (formatting, key order,
// line endings) stays as the developer wrote it. Pure; the extension applies
// the edit through a WorkspaceEdit.

import { JsonNode, JsonSyntaxError, parseJson } from '../../core/jsonloc';

/** Replace text[start, end) with `text`. */
export interface TextEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export type PlacementEdit =
  | { readonly kind: 'edit'; readonly edit: TextEdit }
  | { readonly kind: 'present' }
  | { readonly kind: 'error'; readonly message: string };

/** Applies EDIT to TEXT. */
export function applyEdit(text: string, edit: TextEdit): string {
  return text.slice(0, edit.start) + edit.text + text.slice(edit.end);
}

/**
 * The edit that adds NAME to the "placement" array of the manifest TEXT:
 * appended after the last entry in the array's own layout (one per line, or
 * inline); a missing "placement" is added as the object's last property.
 * 'present' when NAME is listed already; 'error' when the JSON is broken or
 * "placement" is not an array (nothing sensible to edit).
 */
export function addPlacement(text: string, name: string): PlacementEdit {
  let root: JsonNode;
  try {
    root = parseJson(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) return { kind: 'error', message: `multiverse.json is not valid JSON (${e.message}): fix it first` };
    throw e;
  }
  if (root.kind !== 'object') return { kind: 'error', message: 'multiverse.json must hold a JSON object' };
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const quoted = JSON.stringify(name);
  const entry = [...root.entries].reverse().find((e) => e.key === 'placement');
  if (entry) {
    const list = entry.value;
    if (list.kind !== 'array') return { kind: 'error', message: `"placement" in multiverse.json must be an array, not ${list.kind}` };
    if (list.items.some((i) => i.kind === 'string' && i.value === name)) return { kind: 'present' };
    const last = list.items[list.items.length - 1];
    if (!last) {
      // "placement": [] (or with spaces/newlines inside): the list becomes ["name"].
      return { kind: 'edit', edit: { start: list.range.start + 1, end: list.range.end - 1, text: quoted } };
    }
    const multiline = lineOf(text, list.range.start) !== lineOf(text, last.range.start);
    const sep = multiline ? `,${eol}${indentOf(text, last.range.start)}` : ', ';
    return { kind: 'edit', edit: { start: last.range.end, end: last.range.end, text: `${sep}${quoted}` } };
  }
  const lastEntry = root.entries[root.entries.length - 1];
  if (!lastEntry) {
    const inner = `${eol}  "placement": [${quoted}]${eol}`;
    return { kind: 'edit', edit: { start: root.range.start + 1, end: root.range.end - 1, text: inner } };
  }
  const multiline = lineOf(text, root.range.start) !== lineOf(text, lastEntry.keyRange.start);
  const sep = multiline ? `,${eol}${indentOf(text, lastEntry.keyRange.start)}` : ', ';
  return { kind: 'edit', edit: { start: lastEntry.value.range.end, end: lastEntry.value.range.end, text: `${sep}"placement": [${quoted}]` } };
}

function lineOf(text: string, offset: number): number {
  let n = 0;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** The whitespace before OFFSET on its line when only whitespace precedes it, else two spaces. */
function indentOf(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const before = text.slice(lineStart, offset);
  return /^[ \t]*$/.test(before) ? before : '  ';
}

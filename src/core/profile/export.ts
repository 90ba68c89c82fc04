// export.ts - a Profile in formats other tools open: speedscope's file format
// (https://www.speedscope.app/file-format-schema.json: shared frames, sampled
// profiles) and collapsed stacks for flamegraph.pl. Frames are merged per
// function here (a flame graph shows functions; the profile keeps lines).

import * as path from 'node:path';
import type { Profile } from './types';

export const SPEEDSCOPE_SCHEMA = 'https://www.speedscope.app/file-format-schema.json';

export interface SpeedscopeFrame {
  name: string;
  file?: string;
  line?: number;
}

export interface SpeedscopeSampled {
  type: 'sampled';
  name: string;
  unit: 'none' | 'nanoseconds';
  startValue: number;
  endValue: number;
  /** stacks of indexes into shared.frames, outermost (root) first */
  samples: number[][];
  weights: number[];
}

export interface SpeedscopeFile {
  $schema: typeof SPEEDSCOPE_SCHEMA;
  shared: { frames: SpeedscopeFrame[] };
  profiles: SpeedscopeSampled[];
  name: string;
  activeProfileIndex: number;
  exporter: string;
}

/** The display name of a frame: kernel functions are marked "[k]". */
function frameName(fn: string, kernel: boolean): string {
  return kernel ? `${fn} [k]` : fn;
}

/**
 * The speedscope file of P: profile 0 "samples" (weights = samples, unit
 * none), profile 1 "forwarded calls" (weights = round-trip ns; each call
 * site's chain topped by a "syscall NAME [forwarded]" frame) when any.
 */
export function toSpeedscope(p: Profile): SpeedscopeFile {
  const frames: SpeedscopeFrame[] = [];
  const index = new Map<string, number>();
  const intern = (name: string, file?: string, line?: number): number => {
    const key = `${name}|${file ?? ''}`;
    let i = index.get(key);
    if (i === undefined) {
      i = frames.length;
      const f: SpeedscopeFrame = { name };
      if (file !== undefined) f.file = file;
      if (line !== undefined) f.line = line;
      frames.push(f);
      index.set(key, i);
    }
    return i;
  };
  const fnLine = new Map(p.functions.map((f) => [`${frameName(f.function, f.kernel)}|${f.file ?? ''}`, f.line ?? f.firstLine] as const));
  const toRoot = (chain: readonly number[]): number[] =>
    chain
      .map((i) => {
        const f = p.frames[i]!;
        const name = frameName(f.function, f.kernel);
        return intern(name, f.file, fnLine.get(`${name}|${f.file ?? ''}`) ?? f.line);
      })
      .reverse();
  const title = path.basename(p.program) || 'program';
  const samples: SpeedscopeSampled = { type: 'sampled', name: `${title}: samples`, unit: 'none', startValue: 0, endValue: 0, samples: [], weights: [] };
  for (const st of p.stacks) {
    samples.samples.push(toRoot(st.frames));
    samples.weights.push(st.count);
    samples.endValue += st.count;
  }
  const profiles = [samples];
  if (p.forwarded.sites.length > 0) {
    const fwd: SpeedscopeSampled = { type: 'sampled', name: `${title}: forwarded calls`, unit: 'nanoseconds', startValue: 0, endValue: 0, samples: [], weights: [] };
    for (const s of p.forwarded.sites) {
      fwd.samples.push([...toRoot(s.chain), intern(`syscall ${s.syscall} [forwarded]`)]);
      fwd.weights.push(s.totalNs);
      fwd.endValue += s.totalNs;
    }
    profiles.push(fwd);
  }
  return { $schema: SPEEDSCOPE_SCHEMA, shared: { frames }, profiles, name: title, activeProfileIndex: 0, exporter: 'multiverse profile' };
}

/** Collapsed stacks (flamegraph.pl): "outer;...;inner COUNT" per stack, functions merged. */
export function toFolded(p: Profile): string {
  const counts = new Map<string, number>();
  for (const st of p.stacks) {
    const names = st.frames.map((i) => {
      const f = p.frames[i]!;
      return frameName(f.function, f.kernel).replace(/[; ]/g, '_');
    });
    const key = names.reverse().join(';');
    counts.set(key, (counts.get(key) ?? 0) + st.count);
  }
  return [...counts].map(([k, n]) => `${k} ${n}\n`).join('');
}

// The import graph of src/: no cycles (a module never needs itself, however indirectly, to load), internal
// code never imports the public entry, and only the declared module has side effects.
// Type-only imports (`import type`) are erased by every bundler and do not count.

import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

/** Relative value imports and re-exports of a module (not `import type`, not `?raw` assets). */
function valueImports(file: string): string[] {
  const code = readFileSync(file, 'utf8');
  const out: string[] = [];
  const statement = /^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gms;
  for (const m of code.matchAll(statement)) {
    const spec = m[1]!;
    if (!spec.startsWith('.') || spec.includes('?')) continue;
    out.push(resolve(dirname(file), spec));
  }
  return out;
}

const files = sourceFiles(SRC);
const graph = new Map(files.map((f) => [f, valueImports(f)]));
const rel = (f: string): string => relative(SRC, f);

/** Strongly connected components with more than one module, or a module importing itself (Tarjan). */
function cycles(): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(rel(w));
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return found;
}

describe('import graph of src/', () => {
  it('has every relative import resolving to a file', () => {
    const missing = [...graph].flatMap(([f, deps]) => deps.filter((d) => !graph.has(d)).map((d) => `${rel(f)} → ${relative(SRC, d)}`));
    expect(missing).toEqual([]);
  });

  it('has no import cycles', () => {
    expect(cycles()).toEqual([]);
  });

  it('never imports the public entry from inside the library', () => {
    const entry = join(SRC, 'index.ts');
    const offenders = [...graph].filter(([f, deps]) => f !== entry && deps.includes(entry)).map(([f]) => rel(f));
    expect(offenders).toEqual([]);
  });

  it('points one way: shaders ← engine ← nn ← models / transfer / multitask', () => {
    const layer = (f: string): number => {
      const top = rel(f).split('/')[0]!;
      return ({ shaders: 0, engine: 1, nn: 2, models: 3, transfer: 3, multitask: 3 } as Record<string, number>)[top] ?? 4;
    };
    const upward = [...graph].flatMap(([f, deps]) =>
      deps.filter((d) => graph.has(d) && layer(d) > layer(f) && layer(f) < 4).map((d) => `${rel(f)} → ${rel(d)}`),
    );
    expect(upward).toEqual([]);
  });

  it('has side effects at import only in engine/methods.ts, the module package.json names', () => {
    const pkg = JSON.parse(readFileSync(join(SRC, '../package.json'), 'utf8')) as { sideEffects?: unknown };
    expect(pkg.sideEffects).toEqual(expect.arrayContaining(['./src/engine/methods.ts']));
    // A top-level statement that calls something (not a declaration, import or export) is a side effect.
    // Calls that only register cleanup for a device reset (onDeviceReset) are bookkeeping and allowed.
    const topLevelCall = /^(?!\s*(?:import|export|const|let|var|function|async|class|interface|type|declare|\/\/|\/\*|\*|\}|\)|$))[A-Za-z_$][\w$.]*\s*\(/m;
    const withEffects = files
      .filter((f) => {
        const code = readFileSync(f, 'utf8');
        return code.split('\n').some((line) => topLevelCall.test(line) && !/^(onDeviceReset|registerTensorCheck)\(/.test(line));
      })
      .map(rel);
    expect(withEffects).toEqual(['engine/methods.ts']);
  });
});

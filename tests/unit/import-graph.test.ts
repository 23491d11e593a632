// The import graph of src/: no cycles (a module never needs itself, however indirectly, to load, and no type
// leans on a module that leans back on it: type-only imports count here), internal code never imports the
// public entry, dependencies point one way, the floors above the engine enter it only through
// engine/internal.ts, src/nn holds no kernel (one op library: kernels and backward rules live in engine/ops),
// and only the declared module has side effects.

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

/** Every import specifier of a module: imports and re-exports, type-only ones and `import('...')` types included. */
function specifiers(file: string): string[] {
  const code = readFileSync(file, 'utf8');
  const statement = /^\s*(?:import|export)\s+(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gms;
  const typeImport = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
  return [...code.matchAll(statement), ...code.matchAll(typeImport)].map((m) => m[1]!);
}

/** Relative imports and re-exports of a module, type-only ones included (not `?raw` assets). */
function moduleImports(file: string): string[] {
  return specifiers(file).filter((spec) => spec.startsWith('.') && !spec.includes('?')).map((spec) => resolve(dirname(file), spec));
}

const files = sourceFiles(SRC);
const graph = new Map(files.map((f) => [f, moduleImports(f)]));
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

  it('has no import cycles, type-only imports included', () => {
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
      return ({ shaders: 0, engine: 1, nn: 2, data: 2, models: 3, transfer: 3, multitask: 3 } as Record<string, number>)[top] ?? 4;
    };
    const upward = [...graph].flatMap(([f, deps]) =>
      deps.filter((d) => graph.has(d) && layer(d) > layer(f) && layer(f) < 4).map((d) => `${rel(f)} → ${rel(d)}`),
    );
    expect(upward).toEqual([]);
  });

  it('lets nn, models, transfer and multitask into the engine only through engine/internal.ts, type imports included', () => {
    const gate = join(SRC, 'engine/internal.ts');
    const floors = ['nn', 'data', 'models', 'transfer', 'multitask'];
    const past = [...graph]
      .filter(([f]) => floors.includes(rel(f).split('/')[0]!))
      .flatMap(([f, deps]) => deps.filter((d) => rel(d).startsWith('engine/') && d !== gate).map((d) => `${rel(f)} → ${rel(d)}`));
    expect(past).toEqual([]);
  });

  it('keeps kernels out of src/nn: no shader import, no defineKernel, no launch (one op library, in engine/ops)', () => {
    const kernelWords = /\b(?:defineKernel|launch)\b/;
    const offenders = files
      .filter((f) => rel(f).startsWith('nn/'))
      .flatMap((f) => {
        const code = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
        const shaders = specifiers(f).filter((spec) => spec.includes('shaders/') || /\.wgsl(?:\?|$)/.test(spec));
        return [...shaders.map((spec) => `${rel(f)} imports ${spec}`), ...(kernelWords.test(code) ? [`${rel(f)} defines or launches a kernel`] : [])];
      });
    expect(offenders).toEqual([]);
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

// Every WGSL kernel opens with a comment header (what it computes, layouts, tiling), and every kernel
// version in the registry (src/engine/runtime/kernel-registry.ts: matmul, the conv2d, depthwise and pooling passes,
// anything registered later) has its file, whose first line names the version and whose versions table lists
// exactly the pass's registered versions: llm.c's headers drift from the code, ours are checked. A version's
// file is the stem its summary starts with (`matmul_tiled: ...` → matmul_tiled.wgsl); versions that
// delegate to another family (conv2d's `depthwise`) are not named v<N> and have no file.

import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import '../../src/engine/internal.ts'; // registers every pass
import { kernelVersions } from '../../src/engine/runtime/kernel-registry.ts';
import { fmtMs, fmtRate, readResults } from '../../scripts/perf-table.mjs';

const SHADERS = new URL('../../src/shaders/', import.meta.url);
const files = readdirSync(SHADERS)
  .filter((f) => f.endsWith('.wgsl'))
  .sort();
const source = (f: string): string => readFileSync(new URL(f, SHADERS), 'utf8');
const RESULTS = new URL('../../bench/results/', import.meta.url).pathname;
const results = readdirSync(RESULTS);

/** The leading block of `//` lines. */
function header(code: string): string[] {
  const lines = code.split('\n');
  const out: string[] = [];
  for (const line of lines) {
    if (!line.startsWith('//')) break;
    out.push(line);
  }
  return out;
}

/** Versions named in the header's table rows: `// | v2 | ...` or `// v2 | ...`. */
function tableVersions(head: string[]): string[] {
  const out: string[] = [];
  for (const line of head) {
    const m = /^\/\/\s*\|?\s*(v\d+)\s*\|/.exec(line);
    if (m) out.push(m[1]!);
  }
  return out;
}

/** The version a kernel file implements, from its first line: `// matmul_tiled.wgsl (v2): ...`. */
function fileVersion(head: string[]): string | null {
  return /\((v\d+)\)/.exec(head[0] ?? '')?.[1] ?? null;
}

interface Pass {
  name: string;
  /** The v<N> versions, in registration order, with their kernel files. */
  versions: Array<{ version: string; file: string }>;
}

const passes: Pass[] = kernelVersions.names().map((name) => {
  const info = kernelVersions.get(name);
  const versions = info.versionNames
    .filter((v) => /^v\d+$/.test(v))
    .map((version) => ({ version, file: `${info.summary(version).split(':')[0]!.trim()}.wgsl` }));
  return { name, versions };
});

describe('WGSL kernel headers', () => {
  it('finds the kernels', () => {
    expect(files.length).toBeGreaterThan(10);
    expect(files).toContain('matmul_naive.wgsl');
  });

  for (const f of files) {
    it(`${f} opens with a header naming the file and what it computes`, () => {
      const head = header(source(f));
      expect(head.length, `${f} must start with a // comment block`).toBeGreaterThanOrEqual(2);
      expect(head[0]!.startsWith(`// ${f}`), `${f}: the header's first line starts with "// ${f}"`).toBe(true);
    });
  }

  it('finds every pass of the registry', () => {
    const names = passes.map((p) => p.name);
    for (const n of ['matmul', 'conv2d.forward', 'conv2d.dgrad', 'conv2d.wgrad', 'depthwise.forward', 'depthwise.wgrad', 'maxPool2d.forward']) {
      expect(names).toContain(n);
    }
  });

  for (const pass of passes) {
    it(`${pass.name}: every registered version has its kernel file, naming the version, with the versions table of the pass`, () => {
      expect(pass.versions.length, `${pass.name} registers no v<N> version`).toBeGreaterThan(0);
      expect(pass.versions[0]!.version, `${pass.name}: v1 (the naive reference) comes first`).toBe('v1');
      const registered = pass.versions.map((v) => v.version);
      for (const { version, file } of pass.versions) {
        expect(files, `${pass.name} ${version}: kernel file ${file} (from its summary)`).toContain(file);
        const head = header(source(file));
        expect(fileVersion(head), `${file}: the first line names its version, "// ${file} (${version}): ..."`).toBe(version);
        expect(tableVersions(head), `${file}: versions table (registered for ${pass.name}: ${registered.join(', ')})`).toEqual(registered);
      }
    });
  }

  it('every kernel file that names a version in its first line is a registered version', () => {
    const registered = new Set(passes.flatMap((p) => p.versions.map((v) => v.file)));
    const versioned = files.filter((f) => fileVersion(header(source(f))) !== null);
    expect(versioned.filter((f) => !registered.has(f))).toEqual([]);
  });

  // A figure in a header is one a committed bench result holds: the header names the result file
  // (bench/results/<file>.json, whose `command` reproduces it) and each "<n> ms" / "<n> GFLOP/s" it states is a
  // timing in that file, printed as docs/performance.md's generated table prints it (scripts/perf-table.mjs).
  for (const f of files) {
    it(`${f}: every figure in its header is in a committed bench result it names`, () => {
      const head = header(source(f)).join('\n');
      const figures = [...head.matchAll(/(?<![\w.])(\d+(?:\.\d+)?) ?(ms|GFLOP\/s|GB\/s)(?![\w/])/g)].map((m) => `${m[1]} ${m[2]}`);
      if (figures.length === 0) return;
      const named = [...new Set([...head.matchAll(/bench\/results\/([\w.-]+\.json)/g)].map((m) => m[1]!))];
      expect(named, `${f} states ${figures.join(', ')} but names no bench/results/*.json`).not.toEqual([]);
      const known = new Set<string>();
      for (const file of named) {
        expect(results, `${f} names bench/results/${file}, which is not committed`).toContain(file);
        for (const row of readResults(RESULTS).find((r) => r.file === file)!.rows) {
          for (const t of [row.ours, row.tfjs, ...Object.values(row.variants ?? {})]) {
            if (t) known.add(`${fmtMs(t.ms)} ms`).add(fmtRate(t.gflops));
          }
        }
      }
      for (const figure of figures) expect([...known], `${f}: "${figure}" is in none of ${named.join(', ')}`).toContain(figure);
    });
  }

  it('matmul tables give a figure, device and shape for every version', () => {
    for (const f of files.filter((f) => f.startsWith('matmul_'))) {
      for (const line of header(source(f)).filter((l) => /^\/\/\s*\|\s*v\d+\s*\|/.test(l))) {
        const cells = line.replace(/^\/\/\s*\|/, '').split('|').map((c) => c.trim()).filter((c) => c !== '');
        expect(cells, `${f}: ${line}`).toHaveLength(5); // version, idea, figure, device, shape
        expect(cells[2], `${f}: ${line}`).toMatch(/GFLOP\/s|TFLOP\/s|ms|^not benchmarked/);
      }
    }
  });
});

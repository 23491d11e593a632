// Every WGSL kernel opens with a comment header (what it computes, layouts, tiling), and the kernel
// families that keep several versions (matmul, conv2d passes) list in their headers' versions tables
// exactly the versions registered in code: llm.c's headers drift from the code, ours are checked.

import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MATMUL_VERSIONS } from '../../src/engine/ops/matmul.ts';
import { conv2dKernels } from '../../src/engine/ops/conv.ts';
import { depthwiseKernels } from '../../src/engine/ops/depthwise.ts';

const SHADERS = new URL('../../src/shaders/', import.meta.url);
const files = readdirSync(SHADERS)
  .filter((f) => f.endsWith('.wgsl'))
  .sort();
const source = (f: string): string => readFileSync(new URL(f, SHADERS), 'utf8');

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

interface Family {
  name: string;
  prefix: string;
  versions: string[];
}

const families: Family[] = [
  { name: 'matmul', prefix: 'matmul_', versions: Object.keys(MATMUL_VERSIONS) },
  ...(
    [
      ['forward', 'conv2d_fwd_'],
      ['dgrad', 'conv2d_dgrad_'],
      ['wgrad', 'conv2d_wgrad_'],
    ] as const
  ).map(([pass, prefix]) => ({ name: `conv2d ${pass}`, prefix, versions: Object.keys(conv2dKernels.versions[pass]).map((v) => `v${v}`) })),
  ...(
    [
      ['forward', 'depthwise_fwd_'],
      ['dgrad', 'depthwise_dgrad_'],
      ['wgrad', 'depthwise_wgrad_'],
    ] as const
  ).map(([pass, prefix]) => ({ name: `depthwise ${pass}`, prefix, versions: Object.keys(depthwiseKernels.versions[pass]).map((v) => `v${v}`) })),
];

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

  for (const fam of families) {
    const members = files.filter((f) => f.startsWith(fam.prefix) && fileVersion(header(source(f))) !== null);

    it(`${fam.name}: every registered version has a kernel file, every kernel file a registered version`, () => {
      expect(fam.versions.length).toBeGreaterThan(0);
      const implemented = members.map((f) => fileVersion(header(source(f)))!).sort();
      expect(implemented, `versions in the first lines of ${members.join(', ')}`).toEqual([...fam.versions].sort());
    });

    it(`${fam.name}: each kernel's versions table lists exactly the registered versions`, () => {
      expect(members.length).toBeGreaterThan(0);
      for (const f of members) {
        const listed = tableVersions(header(source(f)));
        expect(listed, `${f}: versions table (registered: ${fam.versions.join(', ')})`).toEqual(fam.versions);
      }
    });
  }

  it('matmul tables give a figure, device and shape for every version', () => {
    for (const f of files.filter((f) => f.startsWith('matmul_'))) {
      for (const line of header(source(f)).filter((l) => /^\/\/\s*\|\s*v\d+\s*\|/.test(l))) {
        const cells = line.replace(/^\/\/\s*\|/, '').split('|').map((c) => c.trim()).filter((c) => c !== '');
        expect(cells, `${f}: ${line}`).toHaveLength(5); // version, idea, figure, device, shape
        expect(cells[2], `${f}: ${line}`).toMatch(/GFLOP\/s|TFLOP\/s|ms/);
      }
    }
  });
});

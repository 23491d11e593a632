// The README's code blocks run verbatim in the page (only the import line becomes a destructuring of the
// engine module, and a block may get a preamble defining the names its text says it is given), and what they
// log matches the values written in their comments.

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useGpuPage, type GpuPage } from '../harness/gpu.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The first ```ts block after `marker`. */
function codeAfter(marker: string): string {
  const at = readme.indexOf(marker);
  if (at < 0) throw new Error(`README.md has no ${marker}`);
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!block) throw new Error(`README.md has no ts block after ${marker}`);
  return block[1]!;
}

/** `import { a, b } from 'webgpu-tensor';` → `const { a, b } = E;` so the block runs against the page's engine. */
function runnable(code: string): string {
  return code.replace(/import\s*\{([^}]*)\}\s*from\s*'webgpu-tensor';/g, 'const {$1} = E;');
}

/** The values the block's `console.log(...); // value` lines promise. */
function promised(code: string): string[] {
  return [...code.matchAll(/console\.log\(.*\);\s*\/\/ (.*)$/gm)].map((m) => m[1]!.trim());
}

/** Runs the block after `marker` (after `preamble`, page-side JavaScript) and returns what it logged. */
async function runBlock(gpu: GpuPage, marker: string, preamble = ''): Promise<{ logged: string[]; expected: string[] }> {
  const code = codeAfter(marker);
  const logged = await gpu.run(async (E, _H, src) => {
    const lines: string[] = [];
    const fakeConsole = { log: (...v: unknown[]) => lines.push(v.map((x) => JSON.stringify(x)).join(' ')) };
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...a: string[]) => (...v: unknown[]) => Promise<void>;
    await new AsyncFunction('E', 'console', src)(E, fakeConsole);
    return lines;
  }, `${preamble}\n${runnable(code)}`);
  return { logged, expected: promised(code) };
}

const squash = (lines: string[]): string[] => lines.map((l) => l.replace(/\s/g, ''));

describe('README', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  it('custom-kernel example (the extend namespace) runs verbatim and logs what its comments say', async () => {
    const { logged, expected } = await runBlock(gpu, '<!-- extend -->');
    expect(expected.length).toBe(2);
    expect(squash(logged)).toEqual(squash(expected));
  });

  it('multi-task example runs verbatim and logs what its comments say', async () => {
    const { logged, expected } = await runBlock(gpu, '<!-- multitask -->');
    expect(expected.length).toBe(2);
    expect(squash(logged)).toEqual(squash(expected));
  });

  it('quickstart runs verbatim and logs what its comments say', async () => {
    const { logged, expected } = await runBlock(gpu, '<!-- quickstart -->');
    expect(expected.length).toBeGreaterThan(0);
    expect(squash(logged)).toEqual(squash(expected));
  });

  it('the transfer example runs verbatim on 32 digits and logs what its comment says', async () => {
    // The names the README says the block gets: 32 random "digits" in two batches, labels 0..2.
    const preamble = `
      const count = 32;
      const noise = E.rand([count * 784], { seed: 3 });
      const images = await noise.data();
      noise.dispose();
      const batches = [Array.from({ length: 16 }, (_, i) => i), Array.from({ length: 16 }, (_, i) => 16 + i)];
      const labelsOf = (idx) => E.tensor(idx.map((i) => i % 3), [idx.length], { dtype: 'int32' });`;
    const { logged, expected } = await runBlock(gpu, '<!-- transfer -->', preamble);
    expect(expected).toEqual(['1 2 2']);
    expect(squash(logged)).toEqual(squash(expected));
  });

  it('checkpoint example runs verbatim: the resumed run equals the one that never stopped', async () => {
    const { logged, expected } = await runBlock(gpu, '<!-- checkpoint -->');
    expect(logged).toEqual(expected);
  });
});

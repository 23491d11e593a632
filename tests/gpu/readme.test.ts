// The README's quickstart runs verbatim in the page (only its import line becomes a destructuring of the
// engine module), and what it logs matches the values written in its comments.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useGpuPage } from '../harness/gpu.ts';

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

describe('README', () => {
  const gpu = useGpuPage();

  it('quickstart runs verbatim and logs what its comments say', async () => {
    const code = codeAfter('<!-- quickstart -->');
    const expected = [...code.matchAll(/console\.log\(.*\);\s*\/\/ (.*)$/gm)].map((m) => m[1]!.trim());
    expect(expected.length).toBeGreaterThan(0);
    const logged = await gpu.run(async (E, _H, src) => {
      const lines: string[] = [];
      const fakeConsole = { log: (...v: unknown[]) => lines.push(v.map((x) => JSON.stringify(x)).join(' ')) };
      const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...a: string[]) => (...v: unknown[]) => Promise<void>;
      await new AsyncFunction('E', 'console', src)(E, fakeConsole);
      return lines;
    }, runnable(code));
    expect(logged.map((l) => l.replace(/\s/g, ''))).toEqual(expected.map((l) => l.replace(/\s/g, '')));
  });

  it('the transfer example runs verbatim on 32 digits and logs what its comment says', async () => {
    const code = codeAfter('<!-- transfer -->');
    const expected = [...code.matchAll(/console\.log\(.*\);\s*\/\/ (.*)$/gm)].map((m) => m[1]!.trim());
    expect(expected).toEqual(['1 2 2']);
    const logged = await gpu.run(async (E, _H, src) => {
      const lines: string[] = [];
      const fakeConsole = { log: (...v: unknown[]) => lines.push(v.map((x) => JSON.stringify(x)).join(' ')) };
      // The names the README says the snippet gets: 32 random "digits" in two batches, labels 0..2.
      const count = 32;
      const noise = E.rand([count * 784], { seed: 3 });
      const images = (await noise.data()) as Float32Array;
      noise.dispose();
      const batches = [Array.from({ length: 16 }, (_, i) => i), Array.from({ length: 16 }, (_, i) => 16 + i)];
      const labelsOf = (idx: number[]) => E.tensor(idx.map((i) => i % 3), [idx.length], { dtype: 'int32' });
      const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...a: string[]) => (...v: unknown[]) => Promise<void>;
      await new AsyncFunction('E', 'console', 'images', 'count', 'batches', 'labelsOf', src)(E, fakeConsole, images, count, batches, labelsOf);
      return lines;
    }, runnable(code));
    expect(logged.map((l) => l.replace(/\s/g, ''))).toEqual(expected.map((l) => l.replace(/\s/g, '')));
  });

  it('checkpoint example runs verbatim: the resumed run equals the one that never stopped', async () => {
    const code = codeAfter('<!-- checkpoint -->');
    const expected = [...code.matchAll(/console\.log\(.*\);\s*\/\/ (.*)$/gm)].map((m) => m[1]!.trim());
    const logged = await gpu.run(async (E, _H, src) => {
      const lines: string[] = [];
      const fakeConsole = { log: (...v: unknown[]) => lines.push(v.map((x) => JSON.stringify(x)).join(' ')) };
      const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...a: string[]) => (...v: unknown[]) => Promise<void>;
      await new AsyncFunction('E', 'console', src)(E, fakeConsole);
      return lines;
    }, runnable(code));
    expect(logged).toEqual(expected);
  });
});

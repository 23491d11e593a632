// The README's quickstart runs verbatim in the page (only its import line becomes a destructuring of the
// engine module), and what it logs matches the values written in its comments.

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
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
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  it('multi-task example runs verbatim and logs what its comments say', async () => {
    const code = codeAfter('<!-- multitask -->');
    const expected = [...code.matchAll(/console\.log\(.*\);\s*\/\/ (.*)$/gm)].map((m) => m[1]!.trim());
    expect(expected.length).toBe(2);
    const logged = await gpu.run(async (E, _H, src) => {
      const lines: string[] = [];
      const fakeConsole = { log: (...v: unknown[]) => lines.push(v.map((x) => JSON.stringify(x)).join(' ')) };
      const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...a: string[]) => (...v: unknown[]) => Promise<void>;
      await new AsyncFunction('E', 'console', src)(E, fakeConsole);
      return lines;
    }, runnable(code));
    expect(logged.map((l) => l.replace(/\s/g, ''))).toEqual(expected.map((l) => l.replace(/\s/g, '')));
  });

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
});

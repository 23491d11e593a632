// The npm package ships WGSL stripped of comments and spaces (scripts/strip-wgsl.mjs). Every kernel the
// engine defines (its code as launched: a WGSL file, often with helper snippets such as float_bits.wgsl
// prepended) compiles both as written and stripped.

import { describe, expect, it } from 'vitest';
import { definedKernels } from '../../src/shaders/kernel.ts';
import '../../src/index.ts'; // defines every kernel
import { useGpuPage } from '../harness/gpu.ts';
// @ts-expect-error: a plain .mjs script without types
import { stripWgsl } from '../../scripts/strip-wgsl.mjs';

describe('stripped WGSL', () => {
  const gpu = useGpuPage();

  it('every kernel compiles as written and stripped', async () => {
    const strip = stripWgsl as (code: string) => string;
    const pairs = definedKernels().map((k) => ({ name: k.name, code: k.code, stripped: strip(k.code) }));
    const out = await gpu.run(async (E, H, list: { name: string; code: string; stripped: string }[]) => {
      await E.init();
      const device = E.engineDevice();
      const errors = async (code: string): Promise<string[]> => {
        const info = await device.createShaderModule({ code }).getCompilationInfo();
        return info.messages.filter((m) => m.type === 'error').map((m) => m.message);
      };
      const results = [];
      for (const p of list) results.push({ name: p.name, original: await errors(p.code), stripped: await errors(p.stripped) });
      return results;
    }, pairs);
    expect(out.filter((r) => r.original.length > 0 || r.stripped.length > 0)).toEqual([]);
    expect(out.length).toBeGreaterThan(30);
    const before = pairs.reduce((n, p) => n + p.code.length, 0);
    const after = pairs.reduce((n, p) => n + p.stripped.length, 0);
    expect(after).toBeLessThan(before * 0.6);
  });
});

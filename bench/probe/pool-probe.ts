// Probe (issue 21): maxPool2d 3×3/2 p1 on [1,64,112,112] in inference: pool_max.wgsl (v1, geometry in the uniform
// block) against the same kernel with the geometry as override constants (literal shapes, as jax-js compiles).
import * as E from '../../src/index.ts';
import floatBitsWgsl from '../../src/shaders/float_bits.wgsl?raw';
import maxWgsl from '../../src/shaders/pool_max.wgsl?raw';
import fixedWgsl from '../../src/shaders/pool_max_fixed.wgsl?raw';
import { defineKernel, grid } from '../../src/shaders/kernel.ts';
import { emptyTensor, launch } from '../../src/engine/runtime/launch.ts';
import type { Tensor } from '../../src/engine/tensor.ts';

const FIELDS = ['H', 'W', 'OH', 'OW', 'kH', 'kW', 'sH', 'sW', 'pH', 'pW', 'dH', 'dW'] as const;
const overrides = FIELDS.map((f) => `override G_${f}: u32 = 1u;`).join('\n');
const constWgsl = maxWgsl
  .replace('override WITH_INDEX', `${overrides}\noverride WITH_INDEX`)
  .replace('let p = params;', `let p = Params(params.planes, ${FIELDS.map((f) => `G_${f}`).join(', ')});`);
const POOL_PARAMS = {
  planes: 'u32', H: 'u32', W: 'u32', OH: 'u32', OW: 'u32', kH: 'u32', kW: 'u32', sH: 'u32', sW: 'u32', pH: 'u32', pW: 'u32', dH: 'u32', dW: 'u32',
} as const;
const constKernel = defineKernel('pool_max_const_probe', floatBitsWgsl + constWgsl, ['read', 'write', 'write'], POOL_PARAMS);

const fixedKernel = defineKernel('pool_max_fixed_probe', floatBitsWgsl + fixedWgsl, ['read', 'write', 'write'], { planes: 'u32' });

export async function poolProbe(reps = 11): Promise<Record<string, string>> {
  await E.init();
  const H = 112;
  const x = E.tensor(Float32Array.from({ length: 64 * H * H }, (_, i) => Math.sin(i * 0.37)), [1, 64, H, H]);
  const g = { H, W: H, OH: 56, OW: 56, kH: 3, kW: 3, sH: 2, sW: 2, pH: 1, pW: 1, dH: 1, dW: 1 };
  const constPool = (): Tensor => {
    const out = emptyTensor([1, 64, 56, 56]);
    const idx = emptyTensor([1], 'int32');
    launch(constKernel, [x, out, idx], {
      params: { planes: 64, ...g },
      constants: { WITH_INDEX: 0, RELU: 0, ...Object.fromEntries(FIELDS.map((f) => [`G_${f}`, g[f]])) },
      workgroups: grid(Math.ceil(out.size / 64)),
    });
    idx.dispose();
    return out;
  };
  const fixedPool = (): Tensor => {
    const out = emptyTensor([1, 64, 56, 56]);
    const idx = emptyTensor([1], 'int32');
    const c = { H, W: H, OH: 56, OW: 56, KH: 3, KW: 3, SH: 2, SW: 2, PH: 1, PW: 1, DH: 1, DW: 1 };
    launch(fixedKernel, [x, out, idx], { params: { planes: 64 }, constants: { WITH_INDEX: 0, RELU: 0, ...c }, workgroups: grid(Math.ceil(out.size / 64)) });
    idx.dispose();
    return out;
  };
  const variants: Record<string, () => Tensor> = {
    'fixed branch-free': fixedPool,
    v1: () => E.noGrad(() => E.maxPool2d(x, 3, { stride: 2, padding: 1 })),
    'const geometry': constPool,
  };
  const a = await variants.v1!().data();
  const b = await fixedPool().data();
  let diff = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diff++;
  const out: Record<string, string> = { check: `${diff} of ${a.length} differ` };
  const times: Record<string, number[]> = {};
  for (const k of Object.keys(variants)) times[k] = [];
  for (let r = 0; r < reps; r++) {
    for (const [name, f] of Object.entries(variants)) {
      const t0 = performance.now();
      const y = f();
      await y.data();
      times[name]!.push(performance.now() - t0);
      y.dispose();
    }
  }
  for (const [name, t] of Object.entries(times)) out[name] = `med ${[...t].sort((p, q) => p - q)[t.length >> 1]!.toFixed(2)} ms`;
  x.dispose();
  return out;
}

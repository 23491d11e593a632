// The contract between a WGSL kernel and the engine that launches it.
//
// A kernel is a WGSL module with one entry point `main` and one bind group, @group(0), laid out as:
//   @binding(0 … n-1)  the storage buffers, in the order of `bindings` ('read' = var<storage, read>,
//                      'write' = var<storage, read_write>)
//   @binding(n)        `var<uniform> params: Params` when `uniforms` is true
// Shape-dependent numbers go in the uniform block; numbers that change the code (tile sizes, op codes,
// transposes) are WGSL `override` constants, passed per launch and part of the pipeline cache key.

export type BindingKind = 'read' | 'write';

export interface Kernel {
  /** Unique, stable name: the pipeline label and the first part of its cache key. */
  readonly name: string;
  readonly code: string;
  readonly bindings: readonly BindingKind[];
  readonly uniforms: boolean;
}

export function defineKernel(name: string, code: string, bindings: readonly BindingKind[], uniforms = true): Kernel {
  return Object.freeze({ name, code, bindings: Object.freeze([...bindings]), uniforms });
}

/** Largest workgroup count per dispatch dimension that every WebGPU device accepts. */
export const MAX_WORKGROUPS_PER_DIM = 65535;

/**
 * Spreads `count` workgroups over x and y so neither exceeds the per-dimension limit. Kernels recover the
 * linear workgroup index as `wid.x + wid.y * num_workgroups.x` and skip indices past the end.
 */
export function grid(count: number): [number, number, number] {
  if (count <= MAX_WORKGROUPS_PER_DIM) return [Math.max(count, 1), 1, 1];
  const y = Math.ceil(count / MAX_WORKGROUPS_PER_DIM);
  return [Math.ceil(count / y), y, 1];
}

/** Uniform words are u32; floats travel as their bit pattern. */
export function f32Bits(x: number): number {
  f32View[0] = x;
  return u32View[0]!;
}
const f32View = new Float32Array(1);
const u32View = new Uint32Array(f32View.buffer);

// The contract between a WGSL kernel and the engine that launches it.
//
// A kernel is a WGSL module with one entry point `main` and one bind group, @group(0), laid out as:
//   @binding(0 … n-1)  the storage buffers, in the order of `bindings` ('read' = var<storage, read>,
//                      'write' = var<storage, read_write>, 'table' = var<storage, read> bound at a dynamic
//                      offset: a per-launch host table from stagedData, which lands somewhere else in the
//                      uniform arena each batch, so the bind group can be reused; its offset must be a
//                      multiple of 256)
//   @binding(n)        `var<uniform> params: Params` when the kernel declares `params`
// Shape-dependent numbers go in the uniform block; numbers that change the code (tile sizes, op codes,
// transposes) are WGSL `override` constants, passed per launch and part of the pipeline cache key.
//
// Uniforms from one declaration. A kernel's uniform block is declared once, in TypeScript, as the last
// argument of defineKernel: an object whose keys are the fields of the WGSL `struct Params`, in the same
// order, each with its WGSL type ('u32', 'i32', 'f32', 'vecN<…>', or 'array<vec4<u32>, 2>' for up to 8 dims),
// or null for a kernel without one. Launches pass the values by name:
//   const scaleKernel = defineKernel('scale', scaleWgsl, ['read', 'write'], { n: 'u32', alpha: 'f32' });
//   launch(scaleKernel, [x, out], { params: { n: x.size, alpha: 0.5 }, workgroups: grid(Math.ceil(x.size / 256)) });
// TypeScript rejects a missing, misspelt or extra field, and so does the packer at run time; it also rejects
// a u32/i32 that is out of range or fractional (no silent wrap-around), writes f32 fields as their bits,
// lays fields out by WGSL's uniform rules (a vec3, vec4 or array starts on 16 bytes) and fills a vector or
// array given fewer numbers than it holds with zeros. The WGSL file still spells out its own `struct Params`
// and bindings, so it reads whole on its own; tests/unit/kernel-params.test.ts parses every defined kernel's
// WGSL and checks both against the declaration (field names, order and types; binding count, order and
// access) and prints the struct to paste when they differ. Kernels that read the same block share one
// declaration constant (CONV_PARAMS for the conv2d and depthwise passes, BROADCAST_PARAMS, POOL_PARAMS, …).

export type BindingKind = 'read' | 'write' | 'table';

/** The scalar types a uniform field can have. */
export type ScalarType = 'u32' | 'i32' | 'f32';
/** The WGSL type of one field of `struct Params`. Arrays in a uniform block need 16-byte elements: vec4. */
export type FieldType = ScalarType | `vec${2 | 3 | 4}<${ScalarType}>` | `array<vec4<${ScalarType}>, ${number}>`;
/** A uniform block's declaration: field name → WGSL type, in the order of the WGSL struct. */
export type ParamsFields = { readonly [name: string]: FieldType };

/** What a launch passes for a block: every declared field by name, a number or (vector, array) numbers. */
export type ParamsValues<P extends ParamsFields> = { readonly [K in keyof P]: P[K] extends ScalarType ? number : readonly number[] };

/** One field as laid out in the uniform buffer. */
export interface FieldLayout {
  readonly name: string;
  readonly type: FieldType;
  readonly scalar: ScalarType;
  /** Byte offset in the block. */
  readonly offset: number;
  /** Numbers the field holds: 1 for a scalar, 2–4 for a vector, 4·N for array<vec4, N>. */
  readonly count: number;
}

/** A declared uniform block: its fields in order, its size, and the packer. */
export interface UniformBlock<P extends ParamsFields = ParamsFields> {
  readonly fields: readonly FieldLayout[];
  /** The struct's size in bytes (WGSL's roundUp(align, end)). */
  readonly byteSize: number;
  /** The WGSL `struct Params` this declaration describes, for messages and docs. */
  readonly wgsl: string;
  /** Packs `values` into the block's words; throws on a missing, extra or out-of-range field. */
  pack(values: ParamsValues<P>): Uint32Array;
}

export interface Kernel<P extends ParamsFields | null = ParamsFields | null> {
  /** Unique, stable name: the pipeline label and the first part of its cache key. */
  readonly name: string;
  readonly code: string;
  readonly bindings: readonly BindingKind[];
  /** The uniform block bound after the storage buffers, or null when the kernel has none. */
  readonly params: P extends ParamsFields ? UniformBlock<P> : null;
}

const defined = new Map<string, Kernel>();

/**
 * Declares a kernel. `params` is its uniform block (see the header), shared as one constant between kernels
 * that read the same block, or null for a kernel without one. Annotated as free of side effects (its only
 * one is the registry definedKernels() reads, for tests and tools), so that bundlers drop the kernels, and
 * their WGSL, of ops an app never calls.
 */
/* @__NO_SIDE_EFFECTS__ */
export function defineKernel<const P extends ParamsFields | null>(name: string, code: string, bindings: readonly BindingKind[], params: P): Kernel<P> {
  const block = params === null ? null : uniformBlock(name, params);
  const kernel = Object.freeze({ name, code, bindings: Object.freeze([...bindings]), params: block }) as Kernel<P>;
  const previous = defined.get(name);
  if (previous && previous.code !== code) throw new Error(`defineKernel: two different kernels are named "${name}"`);
  defined.set(name, kernel as Kernel);
  return kernel;
}

/** Every kernel defined so far (the modules that define them have to be imported): for tests and tools. */
export function definedKernels(): readonly Kernel[] {
  return [...defined.values()];
}

// ---------------------------------------------------------------- uniform layout and packing

/** WGSL's uniform layout of a field type: alignment and size in bytes, element type and count. */
function fieldShape(owner: string, name: string, type: string): { align: number; size: number; scalar: ScalarType; count: number } {
  const scalar = /^(u32|i32|f32)$/.exec(type);
  if (scalar) return { align: 4, size: 4, scalar: scalar[1] as ScalarType, count: 1 };
  const vec = /^vec([234])<(u32|i32|f32)>$/.exec(type);
  if (vec) {
    const n = Number(vec[1]);
    return { align: n === 2 ? 8 : 16, size: 4 * n, scalar: vec[2] as ScalarType, count: n };
  }
  const arr = /^array<vec4<(u32|i32|f32)>, ?([1-9]\d*)>$/.exec(type);
  if (arr) return { align: 16, size: 16 * Number(arr[2]), scalar: arr[1] as ScalarType, count: 4 * Number(arr[2]) };
  throw new Error(`${owner}: params field "${name}" has type "${type}"; a uniform field is u32, i32, f32, vecN<…> or array<vec4<…>, N>`);
}

const roundUp = (align: number, n: number): number => Math.ceil(n / align) * align;

function uniformBlock<P extends ParamsFields>(owner: string, declaration: P): UniformBlock<P> {
  const fields: FieldLayout[] = [];
  let end = 0;
  let structAlign = 4;
  for (const [name, type] of Object.entries(declaration)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`${owner}: params field "${name}" is not a WGSL identifier`);
    const s = fieldShape(owner, name, type);
    const offset = roundUp(s.align, end);
    fields.push(Object.freeze({ name, type, scalar: s.scalar, offset, count: s.count }));
    end = offset + s.size;
    structAlign = Math.max(structAlign, s.align);
  }
  if (fields.length === 0) throw new Error(`${owner}: params declares no fields; pass null for a kernel without a uniform block`);
  const byteSize = roundUp(structAlign, end);
  const names = new Set(fields.map((f) => f.name));
  const wgsl = `struct Params { ${fields.map((f) => `${f.name}: ${f.type}`).join(', ')} }`;

  function pack(values: ParamsValues<P>): Uint32Array {
    const given = values as Readonly<Record<string, number | readonly number[]>>;
    const extra = Object.keys(given).filter((k) => !names.has(k));
    if (extra.length) throw new Error(`${owner}: params has no field ${extra.map((k) => `"${k}"`).join(', ')}; declared: ${[...names].join(', ')}`);
    const words = new Uint32Array(byteSize / 4);
    const view = new DataView(words.buffer);
    for (const f of fields) {
      const v = given[f.name];
      if (v === undefined) throw new Error(`${owner}: params field "${f.name}" is missing`);
      const numbers = typeof v === 'number' ? [v] : v;
      if ((typeof v === 'number') !== (f.count === 1) || numbers.length > f.count) {
        const takes = f.count === 1 ? 'a number' : `at most ${f.count} numbers`;
        throw new Error(`${owner}: params field "${f.name}" (${f.type}) takes ${takes}, got ${JSON.stringify(v)}`);
      }
      numbers.forEach((x, i) => writeScalar(view, f.offset + 4 * i, f.scalar, x, owner, f.name));
    }
    return words;
  }

  return Object.freeze({ fields: Object.freeze(fields), byteSize, wgsl, pack });
}

function writeScalar(view: DataView, at: number, scalar: ScalarType, x: number, owner: string, name: string): void {
  if (typeof x !== 'number') throw new Error(`${owner}: params field "${name}" got ${JSON.stringify(x)}, not a number`);
  if (scalar === 'f32') return view.setFloat32(at, x, true);
  const [lo, hi] = scalar === 'u32' ? [0, 2 ** 32 - 1] : [-(2 ** 31), 2 ** 31 - 1];
  if (!Number.isInteger(x) || x < lo || x > hi) throw new Error(`${owner}: params field "${name}" (${scalar}) got ${x}, outside the integers ${lo}…${hi}`);
  if (scalar === 'u32') view.setUint32(at, x, true);
  else view.setInt32(at, x, true);
}

// ---------------------------------------------------------------- dispatch helpers

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

// Each kernel's uniform block is declared once, in TypeScript (defineKernel's `params`), and each WGSL file
// still spells out its own `struct Params` and @binding list so that it reads whole. This test parses the
// WGSL of every kernel the engine defines and checks both against the declaration: the struct's field
// names, order and types, and the bindings' count, order and access. It also checks the packer itself.

import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../src/engine/errors.ts';
import { launch } from '../../src/engine/runtime/launch.ts';
import { defineKernel, definedKernels, type Kernel } from '../../src/shaders/kernel.ts';
// Importing the public entry defines every kernel it can launch.
import '../../src/index.ts';

const SHADERS = new URL('../../src/shaders/', import.meta.url);
const wgslFiles = readdirSync(SHADERS)
  .filter((f) => f.endsWith('.wgsl'))
  .sort();

const withoutComments = (code: string): string => code.replace(/\/\/[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
const squash = (s: string): string => s.replace(/\s+/g, '');

/** Splits on commas outside <…>: `a: u32, b: array<vec4<u32>, 2>` → two fields. */
function splitFields(body: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of body) {
    if (ch === '<') depth++;
    if (ch === '>') depth--;
    if (ch === ',' && depth === 0) {
      out.push(current);
      current = '';
    } else current += ch;
  }
  out.push(current);
  return out.map((f) => f.trim()).filter((f) => f.length > 0);
}

interface WgslField {
  name: string;
  type: string;
}

/** The fields of `struct Params`, or null when the code has none. */
export function parseParamsStruct(code: string): WgslField[] | null {
  const structs = [...withoutComments(code).matchAll(/\bstruct\s+Params\s*\{([^}]*)\}/g)];
  if (structs.length === 0) return null;
  if (structs.length > 1) throw new Error(`${structs.length} structs named Params`);
  return splitFields(structs[0]![1]!).map((field) => {
    const m = /^([A-Za-z_]\w*)\s*:\s*(.+)$/s.exec(field);
    if (!m) throw new Error(`cannot read the Params field "${field}" (attributes such as @align are not supported)`);
    return { name: m[1]!, type: squash(m[2]!) };
  });
}

interface WgslBinding {
  group: number;
  binding: number;
  space: string;
  name: string;
  type: string;
}

/** Every `@group(g) @binding(b) var<…> name: type;` of the module, in source order. */
export function parseBindings(code: string): WgslBinding[] {
  const src = withoutComments(code);
  const found = [...src.matchAll(/@group\((\d+)\)\s*@binding\((\d+)\)\s*var\s*(?:<([^>]*)>)?\s*([A-Za-z_]\w*)\s*:\s*([^;]+);/g)].map((m) => ({
    group: Number(m[1]),
    binding: Number(m[2]),
    space: squash(m[3] ?? ''),
    name: m[4]!,
    type: squash(m[5]!),
  }));
  const attributes = (src.match(/@binding\(/g) ?? []).length;
  if (attributes !== found.length) throw new Error(`read ${found.length} of ${attributes} @binding declarations`);
  return found;
}

/** Everything wrong with `kernel`'s WGSL against its declaration (empty when they agree). */
function mismatches(kernel: Kernel): string[] {
  const problems: string[] = [];
  const block = kernel.params;
  const struct = parseParamsStruct(kernel.code);
  if (block && !struct) problems.push('declares params but its WGSL has no struct Params');
  if (!block && struct) problems.push('its WGSL has a struct Params but the kernel declares no params');
  if (block && struct) {
    const want = block.fields.map((f) => `${f.name}: ${squash(f.type)}`).join(', ');
    const got = struct.map((f) => `${f.name}: ${f.type}`).join(', ');
    if (want !== got) problems.push(`struct Params differs from the declaration\n  WGSL:        ${got}\n  declaration: ${want}\n  expected:    ${block.wgsl}`);
  }
  const bindings = parseBindings(kernel.code);
  const expected = kernel.bindings.map((kind, i) => ({ binding: i, space: kind === 'write' ? 'storage,read_write' : 'storage,read' }));
  const uniform = block !== null;
  if (uniform) expected.push({ binding: kernel.bindings.length, space: 'uniform' });
  const describe = (b: { binding: number; space: string }): string => `@binding(${b.binding}) var<${b.space}>`;
  const got = bindings.map((b) => (b.group === 0 ? describe(b) : `@group(${b.group}) ${describe(b)}`));
  const want = expected.map(describe);
  if (got.join('; ') !== want.join('; ')) problems.push(`bindings differ\n  WGSL:        ${got.join('; ')}\n  declaration: ${want.join('; ')}`);
  const last = bindings[bindings.length - 1];
  if (uniform && last && (last.name !== 'params' || last.type !== 'Params')) {
    problems.push(`the uniform binding must be \`var<uniform> params: Params\`, got \`${last.name}: ${last.type}\``);
  }
  return problems;
}

describe('kernel uniform declarations match their WGSL', () => {
  const kernels = definedKernels();

  it('finds the kernels', () => {
    expect(kernels.length).toBeGreaterThan(30);
  });

  it('every WGSL file with bindings is the main file of a defined kernel of the same name', () => {
    const names = new Set(kernels.map((k) => k.name));
    const entryFiles = wgslFiles.filter((f) => /@binding\(/.test(withoutComments(readFileSync(new URL(f, SHADERS), 'utf8'))));
    const orphans = entryFiles.filter((f) => !names.has(f.replace(/\.wgsl$/, '')));
    expect(orphans, 'WGSL files no defineKernel call names (the kernel name is the file name)').toEqual([]);
  });

  for (const kernel of kernels) {
    it(`${kernel.name}: struct Params and bindings`, () => {
      expect(mismatches(kernel), kernel.name).toEqual([]);
    });
  }
});

describe('the WGSL readers', () => {
  it('read fields with nested generics, comments and line breaks', () => {
    const code = `// struct Params { nope: u32 }
      struct Params {
        n: u32, // count
        shape: array<vec4<u32>, 2>,
        scale: f32,
      }
      @group(0) @binding(0) var<storage, read> x: array<f32>;
      @group(0) @binding(1) var<storage,read_write> y: array<f32>;
      @group(0) @binding(2) var<uniform> params: Params;`;
    expect(parseParamsStruct(code)).toEqual([
      { name: 'n', type: 'u32' },
      { name: 'shape', type: 'array<vec4<u32>,2>' },
      { name: 'scale', type: 'f32' },
    ]);
    expect(parseBindings(code).map((b) => [b.binding, b.space, b.name])).toEqual([
      [0, 'storage,read', 'x'],
      [1, 'storage,read_write', 'y'],
      [2, 'uniform', 'params'],
    ]);
  });

  it('catch a swapped field, a missing binding and a wrong access', () => {
    const fields = { rows: 'u32', scale: 'f32' } as const;
    const kernel = (code: string): Kernel => ({ name: 'probe', code, bindings: ['read', 'write'], params: defineKernel('probe_decl', '', [], fields).params });
    const good = `struct Params { rows: u32, scale: f32 }
      @group(0) @binding(0) var<storage, read> x: array<f32>;
      @group(0) @binding(1) var<storage, read_write> y: array<f32>;
      @group(0) @binding(2) var<uniform> params: Params;`;
    expect(mismatches(kernel(good))).toEqual([]);
    expect(mismatches(kernel(good.replace('rows: u32, scale: f32', 'scale: f32, rows: u32')))[0]).toContain('struct Params differs');
    expect(mismatches(kernel(good.replace('scale: f32', 'scale: u32')))[0]).toContain('struct Params differs');
    expect(mismatches(kernel(good.replace('var<storage, read_write> y', 'var<storage, read> y')))[0]).toContain('bindings differ');
    expect(mismatches(kernel(good.replace(/.*@binding\(2\).*/, '')))[0]).toContain('bindings differ');
  });
});

describe('packing params by name', () => {
  const kernel = defineKernel('pack_probe', '', ['read'], {
    n: 'u32',
    rank: 'u32',
    shape: 'array<vec4<u32>, 2>',
    alpha: 'f32',
    offset: 'i32',
    scale: 'vec2<f32>',
    tail: 'u32',
  });
  const block = kernel.params;

  it('lays fields out by the WGSL uniform rules', () => {
    expect(block.fields.map((f) => [f.name, f.offset])).toEqual([
      ['n', 0],
      ['rank', 4],
      ['shape', 16], // arrays start on 16 bytes
      ['alpha', 48],
      ['offset', 52],
      ['scale', 56], // vec2 starts on 8 bytes
      ['tail', 64],
    ]);
    expect(block.byteSize).toBe(80); // rounded up to the struct's 16-byte alignment
    expect(block.wgsl).toBe('struct Params { n: u32, rank: u32, shape: array<vec4<u32>, 2>, alpha: f32, offset: i32, scale: vec2<f32>, tail: u32 }');
  });

  it('writes each field at its offset, floats as bits, i32 as two’s complement, short arrays padded with 0', () => {
    const words = block.pack({ n: 7, rank: 3, shape: [2, 3, 4], alpha: 0.5, offset: -2, scale: [1.5, -1], tail: 9 });
    const f32 = new Float32Array(words.buffer);
    const i32 = new Int32Array(words.buffer);
    expect(words.length).toBe(20);
    expect([words[0], words[1], words[2], words[3]]).toEqual([7, 3, 0, 0]);
    expect(Array.from(words.slice(4, 12))).toEqual([2, 3, 4, 0, 0, 0, 0, 0]);
    expect(f32[12]).toBe(0.5);
    expect(i32[13]).toBe(-2);
    expect([f32[14], f32[15]]).toEqual([1.5, -1]);
    expect(words[16]).toBe(9);
  });

  const values = { n: 1, rank: 1, shape: [1], alpha: 1, offset: 0, scale: [0, 0], tail: 0 };

  it('rejects a missing or an extra field at run time, naming it', () => {
    const { tail: _omitted, ...missing } = values;
    expect(() => block.pack(missing as never)).toThrow('pack_probe: params field "tail" is missing');
    expect(() => block.pack({ ...values, extra: 1 } as never)).toThrow('pack_probe: params has no field "extra"');
  });

  it('rejects values the field cannot hold instead of wrapping them', () => {
    expect(() => block.pack({ ...values, n: -1 })).toThrow('"n" (u32) got -1');
    expect(() => block.pack({ ...values, n: 2 ** 32 })).toThrow('"n" (u32) got 4294967296');
    expect(() => block.pack({ ...values, rank: 1.5 })).toThrow('"rank" (u32) got 1.5');
    expect(() => block.pack({ ...values, offset: 2 ** 31 })).toThrow('"offset" (i32)');
    expect(() => block.pack({ ...values, shape: [1, 2, 3, 4, 5, 6, 7, 8, 9] })).toThrow('"shape" (array<vec4<u32>, 2>) takes at most 8 numbers');
    expect(() => block.pack({ ...values, alpha: [1] as never })).toThrow('"alpha" (f32) takes a number');
    expect(block.pack({ ...values, alpha: -Infinity }).length).toBe(20); // f32 takes any float
  });

  it('launch throws an EngineError naming the kernel, before any GPU work, when params do not fit', () => {
    const k = defineKernel('launch_probe', '', [], { n: 'u32' });
    const none = defineKernel('launch_probe_none', '', [], null);
    expect(() => launch(k, [], { params: { n: -3 }, workgroups: [1, 1, 1] })).toThrow(EngineError);
    expect(() => launch(k, [], { params: { n: -3 }, workgroups: [1, 1, 1] })).toThrow('launch_probe: params field "n" (u32) got -3');
    expect(() => launch(k, [], { workgroups: [1, 1, 1] } as never)).toThrow('launch_probe: launched without its params (struct Params { n: u32 })');
    expect(() => launch(none, [], { params: { n: 1 }, workgroups: [1, 1, 1] } as never)).toThrow('launch_probe_none: declares no params');
  });

  it('rejects a declaration WGSL cannot have in a uniform block', () => {
    expect(() => defineKernel('bad_probe', '', [], { n: 'array<u32, 4>' as never })).toThrow('bad_probe: params field "n" has type "array<u32, 4>"');
    expect(() => defineKernel('empty_probe', '', [], {})).toThrow('declares no fields');
  });

  it('is checked by TypeScript: missing, misspelt and extra fields do not compile', () => {
    const typeChecks = (): void => {
      // @ts-expect-error: `tail` is missing
      block.pack({ n: 1, rank: 1, shape: [1], alpha: 1, offset: 0, scale: [0, 0] });
      // @ts-expect-error: `extra` is not declared
      block.pack({ ...values, extra: 1 });
      // @ts-expect-error: a scalar field takes a number
      block.pack({ ...values, n: [1] });
    };
    expect(typeof typeChecks).toBe('function');
  });
});

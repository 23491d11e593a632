// The elementwise kernels (unary_ops.wgsl; binary.wgsl and binary_vec4.wgsl, whose ops are binary_ops.wgsl's)
// select their op with an override constant, and each op is declared once, in the kernel, as
// `const OP_<NAME>: u32 = <code>u;` with its `case OP_<NAME>` (the engine reads the codes by name,
// src/engine/ops/elementwise-kernels.ts). This checks that the declarations are sound (distinct codes, one
// case each) and that nothing is dead: every declared op is used by name in src/, and every op name src/
// passes to the raw launchers is declared.

import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { stripWgsl } from '../../scripts/strip-wgsl.mjs';
import { opCodes } from '../../src/engine/ops/elementwise-kernels.ts';

const SRC = new URL('../../src/', import.meta.url);
const wgsl = (f: string): string => readFileSync(new URL(`shaders/${f}`, SRC), 'utf8');

/** camelCase of an OP_ constant's name: OP_GELU_GRAD → geluGrad. */
const camel = (s: string): string => s.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function declared(code: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of code.matchAll(/^const OP_([A-Z0-9_]+): u32 = (\d+)u;/gm)) out.set(m[1]!, Number(m[2]));
  return out;
}

/** Every .ts file under src/, as text. */
function sources(dir: URL): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.isDirectory()) return sources(new URL(`${e.name}/`, dir));
    return e.name.endsWith('.ts') ? [readFileSync(new URL(e.name, dir), 'utf8')] : [];
  });
}
const ts = sources(SRC).join('\n');

/** Op names passed as literals: unaryRaw('exp', …), unaryOp('exp', …), scalarOp('sub', x, 'addScalar', …), binaryRaw('mul', …). */
function namesPassed(kind: 'unary' | 'binary'): Set<string> {
  const direct = kind === 'unary' ? /\bunary(?:Raw|Op)\(\s*'(\w+)'/g : /\bbinary(?:Raw|Op)\(\s*'(\w+)'/g;
  const names = new Set([...ts.matchAll(direct)].map((m) => m[1]!));
  if (kind === 'unary') for (const m of ts.matchAll(/\bscalarOp\(\s*'\w+',[^,]+,\s*'(\w+)'/g)) names.add(m[1]!);
  return names;
}

for (const [file, kind] of [['unary_ops.wgsl', 'unary'], ['binary_ops.wgsl', 'binary']] as const) {
  describe(`${file} op codes`, () => {
    const code = wgsl(file);
    const ops = declared(code);

    it('declares distinct codes, each with exactly one case', () => {
      expect(ops.size).toBeGreaterThan(5);
      expect(new Set(ops.values()).size, 'codes are distinct').toBe(ops.size);
      for (const name of ops.keys()) {
        const cases = [...code.matchAll(new RegExp(`\\bcase\\b[^:{]*\\bOP_${name}\\b[^:{]*[:{]`, 'g'))].length;
        expect(cases, `OP_${name}: the apply switch has one case for it`).toBeGreaterThanOrEqual(1);
      }
      expect([...code.matchAll(/\bcase \d+u\b/g)], 'cases name the op constants, not bare numbers').toEqual([]);
    });

    it('the engine reads every declared code, from the source and from the stripped WGSL the package ships', () => {
      const expected = new Map([...ops].map(([name, c]) => [camel(name), c]));
      expect(new Map(opCodes(code))).toEqual(expected);
      expect(new Map(opCodes((stripWgsl as (code: string) => string)(code)))).toEqual(expected);
    });

    it('every declared op is used by name in src/ (no dead op codes)', () => {
      const unused = [...ops.keys()].map(camel).filter((n) => !ts.includes(`'${n}'`));
      expect(unused, `declared in ${file} but never used`).toEqual([]);
    });

    it('every op name src/ passes to the launchers is declared', () => {
      const known = new Set([...ops.keys()].map(camel));
      expect([...namesPassed(kind)].filter((n) => !known.has(n)), `not declared in ${file}`).toEqual([]);
    });
  });
}

// NaN and infinity in the kernels as a GPU compiles them, not only as SwiftShader does. WGSL lets a compiler
// assume there is no NaN or infinity, so:
// - `v == inf` (or `v != v`) may be folded away by a fast-math backend: infinities and NaN are tested on the
//   bit pattern (is_inf_, is_pos_inf_, is_neg_inf_, is_nan_ in float_bits.wgsl);
// - the builtin min / max / clamp may return the other operand for a NaN (NVIDIA does: min(1, NaN) = 1), so a
//   float min / max / clamp whose NaN operand must win goes through max_nan_ / min_nan_ or a select on is_nan_;
//   the few builtin calls left on floats are listed below, each with the reason a NaN cannot reach it;
// - the builtin pow is exp2(e·log2(x)), undefined for x < 0 and for 0 with e ≤ 0: only pow.wgsl calls it, for
//   x > 0 (pow_, pow_scalar_ everywhere else).
// A float call is recognised by a float literal among its operands (0.0, 1e-6); the integer ones in the kernels
// carry u / i suffixes or casts. tests/gpu/gpu-edges.test.ts and torch-nonfinite.test.ts check the values.

import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const SHADERS = new URL('../../src/shaders/', import.meta.url);
const files = readdirSync(SHADERS).filter((f) => f.endsWith('.wgsl')).sort();
const stripComments = (code: string): string => code.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, '');
const source = (f: string): string => stripComments(readFileSync(new URL(f, SHADERS), 'utf8'));

/** Builtin min / max / clamp calls on floats that stay, and why a NaN operand cannot matter there. */
const REVIEWED: Array<{ file: string; call: string; why: string }> = [
  { file: 'unary_ops.wgsl', call: 'clamp(v, -15.0, 15.0)', why: 'tanh: keeps_nan() returns a NaN input before apply() runs' },
  { file: 'unary_ops.wgsl', call: 'clamp(v, 0.0, 6.0)', why: 'relu6: select(…, v, is_nan_(v)) returns the NaN instead' },
];

const FLOAT_LITERAL = /(?<![\w.])(?:\d+\.\d*|\.\d+|\d+(?:\.\d*)?e[+-]?\d+|\d+f)(?![\w.])/i;

/** Every call of a builtin `name(` with its whole argument text (balanced parentheses). */
function calls(code: string, names: string[]): Array<{ name: string; text: string; args: string }> {
  const out: Array<{ name: string; text: string; args: string }> = [];
  const re = new RegExp(`(?<![\\w.])(${names.join('|')})\\s*\\(`, 'g');
  for (const m of code.matchAll(re)) {
    const open = m.index + m[0].length - 1;
    let depth = 0;
    for (let k = open; k < code.length; k++) {
      if (code[k] === '(') depth++;
      else if (code[k] === ')' && --depth === 0) {
        const args = code.slice(open + 1, k);
        out.push({ name: m[1]!, text: `${m[1]}(${args})`.replace(/\s+/g, ' '), args });
        break;
      }
    }
  }
  return out;
}

/** Float min / max / clamp calls not on the reviewed list. */
function unreviewedFloatMinMax(file: string, code: string): string[] {
  return calls(code, ['min', 'max', 'clamp'])
    .filter((c) => FLOAT_LITERAL.test(c.args))
    .filter((c) => !REVIEWED.some((r) => r.file === file && r.call === c.text))
    .map((c) => c.text);
}

/** Comparisons of a value with an infinity, and `x != x` / `x == x` NaN tests. */
function foldableChecks(code: string): string[] {
  const inf = String.raw`(?:pos_inf_\(\)|neg_inf_\(\)|bitcast<f32>\(\s*\w*INF\w*\s*\))`;
  const out: string[] = [];
  for (const m of code.matchAll(new RegExp(String.raw`[\w\])]+\s*[=!]=\s*${inf}|${inf}\s*[=!]=\s*[\w(]+`, 'g'))) out.push(m[0]);
  for (const m of code.matchAll(/(?<![\w.])([A-Za-z_]\w*)\s*[=!]=\s*\1(?![\w.[(])/g)) out.push(m[0]);
  return out;
}

describe('NaN and infinity rules in the WGSL', () => {
  it('the scans catch what they are for', () => {
    expect(unreviewedFloatMinMax('x.wgsl', 'dst[1] = min(1.0, params.max_norm / (norm + 1e-6));')).toEqual(['min(1.0, params.max_norm / (norm + 1e-6))']);
    expect(unreviewedFloatMinMax('x.wgsl', 'let d = select(1.0, max(part_count[0], 1.0), MEAN);')).toHaveLength(1);
    expect(unreviewedFloatMinMax('x.wgsl', 'let y = clamp(v, lo, 2.5e3);')).toHaveLength(1);
    expect(unreviewedFloatMinMax('x.wgsl', 'let a = max(RANK, 1u) - 1u; let b = min(split * p.chunk, R); let c = max_nan_(x, 1.0);')).toEqual([]);
    expect(foldableChecks('if (v == neg_inf_()) { return 0.0; }')).toHaveLength(1);
    expect(foldableChecks('if (pos_inf_() != x[i]) { }')).toHaveLength(1);
    expect(foldableChecks('let same = v != v;')).toHaveLength(1);
    expect(foldableChecks('if (is_neg_inf_(v)) { } if (a == b) { } if (k == 0u) { } let m = neg_inf_();')).toEqual([]);
  });

  it('every reviewed builtin call still exists (the list does not rot)', () => {
    for (const r of REVIEWED) expect(calls(source(r.file), ['min', 'max', 'clamp']).map((c) => c.text), `${r.file}: ${r.call}`).toContain(r.call);
  });

  it.each(files)('%s: no builtin float min / max / clamp where a NaN must win', (file) => {
    expect(unreviewedFloatMinMax(file, source(file))).toEqual([]);
  });

  it.each(files)('%s: infinities and NaN tested on the bits, not with == / !=', (file) => {
    expect(foldableChecks(source(file))).toEqual([]);
  });

  it.each(files)('%s: the builtin pow only in pow.wgsl', (file) => {
    if (file === 'pow.wgsl') return;
    expect(calls(source(file), ['pow']).map((c) => c.text)).toEqual([]);
  });
});

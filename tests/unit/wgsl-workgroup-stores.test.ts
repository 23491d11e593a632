// No kernel writes a single component of a vector (or matrix) in workgroup memory. WGSL allows a store to one
// component of a vector to access the whole vector (gpuweb#2112), and Metal and D3D compile it as a
// read-modify-write of all of it: when threads of one workgroup store different components of one shared
// vec4 at once, some of the components are lost. Vulkan (and so SwiftShader, where every GPU test runs)
// stores a scalar, so only a real GPU would show it. Shared vectors must be written whole, or the shared
// array must be scalar.
//
// The scan reads every .wgsl under src/shaders, finds the `var<workgroup>` declarations whose type holds a
// vector, and walks the left-hand side of every store (`=`, `op=`, `++`, `--`) that starts with one of them,
// or with a pointer into one (`let p = &As[i];`, a `ptr<workgroup, …>` parameter), through its type: an index
// or member access below a vector (`As[i].x = …`, `As[i][j] = …`, `As[i].xy = …`) is a component store.

import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const SHADERS = new URL('../../src/shaders/', import.meta.url);

/** A WGSL type, parsed as far as the walk needs: arrays, vectors, matrices, structs by name, the rest opaque. */
type WType =
  | { kind: 'array'; elem: WType }
  | { kind: 'vector' }
  | { kind: 'matrix'; column: WType }
  | { kind: 'struct'; name: string }
  | { kind: 'scalar' };

/** Splits `a, b<c, d>, e` at top-level commas. */
function splitTop(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '<' || ch === '(' || ch === '[') depth++;
    else if (ch === '>' || ch === ')' || ch === ']') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts.map((p) => p.trim());
}

function parseType(text: string): WType {
  const t = text.trim();
  const generic = /^([A-Za-z_][\w]*)\s*<([\s\S]*)>$/.exec(t);
  const head = generic ? generic[1]! : t;
  const args = generic ? splitTop(generic[2]!) : [];
  if (head === 'array') return { kind: 'array', elem: parseType(args[0] ?? 'f32') };
  if (head === 'atomic') return { kind: 'scalar' };
  if (/^vec[234][fhiu]?$/.test(head)) return { kind: 'vector' };
  if (/^mat[234]x[234][fh]?$/.test(head)) return { kind: 'matrix', column: { kind: 'vector' } };
  if (/^(f32|f16|i32|u32|bool)$/.test(head)) return { kind: 'scalar' };
  return { kind: 'struct', name: head };
}

/** The code without comments. */
function stripComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, '');
}

/** Struct members by struct name. */
function structs(code: string): Map<string, Map<string, WType>> {
  const out = new Map<string, Map<string, WType>>();
  for (const m of code.matchAll(/\bstruct\s+(\w+)\s*\{([^}]*)\}/g)) {
    const members = new Map<string, WType>();
    for (const field of splitTop(m[2]!)) {
      const f = /^(?:@\w+(?:\([^)]*\))?\s*)*(\w+)\s*:\s*([\s\S]+)$/.exec(field);
      if (f) members.set(f[1]!, parseType(f[2]!));
    }
    out.set(m[1]!, members);
  }
  return out;
}

/** Whether a type holds a vector anywhere (so a store into it could be a component store). */
function holdsVector(t: WType, types: Map<string, Map<string, WType>>, seen = new Set<string>()): boolean {
  if (t.kind === 'vector' || t.kind === 'matrix') return true;
  if (t.kind === 'array') return holdsVector(t.elem, types, seen);
  if (t.kind === 'struct' && !seen.has(t.name)) {
    seen.add(t.name);
    return [...(types.get(t.name)?.values() ?? [])].some((m) => holdsVector(m, types, seen));
  }
  return false;
}

/** Reads one `[ … ]` (balanced) or `.name` accessor at `i`; null when there is none. */
function accessorAt(s: string, i: number): { kind: 'index' | 'member'; name: string; end: number } | null {
  let j = i;
  while (j < s.length && /\s/.test(s[j]!)) j++;
  if (s[j] === '[') {
    let depth = 0;
    for (let k = j; k < s.length; k++) {
      if (s[k] === '[') depth++;
      else if (s[k] === ']' && --depth === 0) return { kind: 'index', name: '', end: k + 1 };
    }
    return null;
  }
  if (s[j] === '.') {
    const m = /^\.\s*(\w+)/.exec(s.slice(j));
    if (m) return { kind: 'member', name: m[1]!, end: j + m[0].length };
  }
  return null;
}

interface ComponentStore {
  line: number;
  text: string;
}

/** Every store into a component of a workgroup vector in one WGSL source. */
function componentStores(source: string): ComponentStore[] {
  const code = stripComments(source);
  const types = structs(code);
  // Names that reach workgroup memory: the variables themselves, pointers taken into them, ptr<workgroup> params.
  const roots = new Map<string, WType>();
  for (const m of code.matchAll(/\bvar\s*<\s*workgroup\s*>\s*(\w+)\s*:\s*([^;=]+)[;=]/g)) {
    const t = parseType(m[2]!);
    if (holdsVector(t, types)) roots.set(m[1]!, t);
  }
  for (const m of code.matchAll(/(\w+)\s*:\s*ptr\s*<\s*workgroup\s*,([^;{)]+?)>\s*[,)]/g)) {
    const t = parseType(splitTop(m[2]!)[0]!);
    if (holdsVector(t, types)) roots.set(m[1]!, t);
  }
  const found: ComponentStore[] = [];
  /** Walks the accessors after a root at `i`; returns the end index, the type reached and whether it went below a vector. */
  const walk = (start: number, type: WType): { end: number; type: WType; component: boolean } => {
    let t: WType | null = type;
    let i = start;
    let component = false;
    for (;;) {
      const a = accessorAt(code, i);
      if (!a) break;
      i = a.end;
      if (t === null) continue;
      if (t.kind === 'vector') component = true;
      if (t.kind === 'array') t = t.elem;
      else if (t.kind === 'matrix') t = t.column;
      else if (t.kind === 'struct') t = a.kind === 'member' ? (types.get(t.name)?.get(a.name) ?? null) : null;
      else t = null;
    }
    return { end: i, type: t ?? { kind: 'scalar' }, component };
  };
  // Pointer aliases, in source order: `let p = &As[i];` (p's type is what the walk reaches).
  for (const m of code.matchAll(/\b(?:let|var)\s+(\w+)\s*(?::[^=]+)?=\s*&\s*(\w+)/g)) {
    const rootType = roots.get(m[2]!);
    if (!rootType) continue;
    const r = walk(m.index + m[0].length, rootType);
    if (r.component) found.push({ line: code.slice(0, m.index).split('\n').length, text: m[0] });
    if (holdsVector(r.type, types)) roots.set(m[1]!, r.type);
  }
  for (const [name, type] of roots) {
    // The name as a store target: at a statement start, bare or dereferenced (`(*p).x`, `*p`).
    const re = new RegExp(`(^|[;{}]|\\belse\\b)\\s*(\\(\\s*\\*\\s*${name}\\s*\\)|\\*\\s*${name}\\b|\\b${name}\\b)`, 'g');
    for (const m of code.matchAll(re)) {
      const r = walk(m.index + m[0].length, type);
      const rest = code.slice(r.end);
      const isStore = /^\s*(?:[-+*/%&|^]|<<|>>)?=(?!=)/.test(rest) || /^\s*(?:\+\+|--)/.test(rest);
      if (isStore && r.component) {
        const lineStart = code.lastIndexOf('\n', m.index + m[0].length - 1) + 1;
        const lineEnd = code.indexOf('\n', r.end);
        found.push({ line: code.slice(0, lineStart).split('\n').length, text: code.slice(lineStart, lineEnd === -1 ? undefined : lineEnd).trim() });
      }
    }
  }
  return found;
}

describe('workgroup vectors are stored whole', () => {
  it('the scan finds component and swizzle stores, and lets whole-vector stores and reads pass', () => {
    const decl = 'var<workgroup> As: array<vec4<f32>, 64>;\nvar<workgroup> S: array<f32, 64>;\nvar<workgroup> V: vec4<f32>;\n';
    const decl2 = 'struct T { a: vec2<f32>, n: u32 }\nvar<workgroup> Ts: array<T, 8>;\nvar<workgroup> M: array<mat4x4<f32>, 2>;\n';
    const bad = [
      'As[c.y * 4u + c.x / 4u][c.x % 4u] = loadA(a_base, m0 + c.x, c.y);', // v3 before the fix
      'As[i].x = 1.0;',
      'As[i].xy = vec2(1.0);',
      'As[i][2] += 1.0;',
      'V.w = 0.0;',
      'V[lid.x]++;',
      'Ts[i].a.y = 0.0;',
      'M[0][1][2] = 0.0;',
      'let p = &As[i]; (*p).z = 1.0;',
      'let q = &As[i]; q.z = 1.0;',
    ];
    for (const stmt of bad) {
      const found = componentStores(`${decl}${decl2}fn main() {\n  ${stmt}\n}\n`);
      expect(found.length, stmt).toBeGreaterThan(0);
    }
    expect(componentStores(`${decl}fn f(p: ptr<workgroup, vec4<f32>>) {\n  (*p).x = 1.0;\n}\n`)).toHaveLength(1);
    const good = [
      'As[i] = vec4(1.0);',
      'As[nxt * 8u + c.y * 4u + c.x] = ra[r];',
      'S[i] = As[i].x;',
      'let v = As[i][2];',
      'if (As[i].x == 1.0) { S[0] = 1.0; }',
      'V = vec4<f32>();',
      'Ts[i].a = vec2(0.0); Ts[i].n = 1u;',
      'M[0][1] = vec4(0.0);',
      '// As[i].x = 1.0; a comment',
      'var local: vec4<f32>; local.x = As[0].y;',
    ];
    for (const stmt of good) {
      expect(componentStores(`${decl}${decl2}fn main() {\n  ${stmt}\n}\n`), stmt).toEqual([]);
    }
  });

  const files = readdirSync(SHADERS).filter((f) => f.endsWith('.wgsl')).sort();
  it.each(files)('%s stores no single component of a workgroup vector', (file) => {
    expect(componentStores(readFileSync(new URL(file, SHADERS), 'utf8'))).toEqual([]);
  });
});

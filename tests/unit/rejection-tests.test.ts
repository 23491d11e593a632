// Every GPU test that expects a rejection also checks that the rejection left no buffer behind: the call runs
// inside H.noLeak (tests/harness/leak-check.ts), which compares the pool's in-use memory and the storage
// references before and after. This scan keeps it so: in tests/gpu, each `try` whose `catch` keeps the error
// (does not rethrow it) must run its call through noLeak, and so must each `gpu.run(...)` a test expects to
// reject (`.rejects`). harness.test.ts tests the page harness itself (no engine call), site.test.ts drives the
// site's pages, which do not load the test helpers.

import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const DIR = new URL('../gpu/', import.meta.url);
const EXEMPT = new Set(['harness.test.ts', 'site.test.ts']);
const files = readdirSync(DIR).filter((f) => f.endsWith('.test.ts') && !EXEMPT.has(f)).sort();

/** The text of the balanced `{ … }` block that opens at `open`. */
function block(code: string, open: number): string {
  let depth = 0;
  for (let k = open; k < code.length; k++) {
    if (code[k] === '{') depth++;
    else if (code[k] === '}' && --depth === 0) return code.slice(open, k + 1);
  }
  return code.slice(open);
}

/** Line numbers of try blocks that catch an error, keep it, and do not run their call through noLeak. */
function unchecked(code: string): number[] {
  const out: number[] = [];
  for (const m of code.matchAll(/\btry\s*\{/g)) {
    const body = block(code, m.index + m[0].length - 1);
    const rest = code.slice(m.index + m[0].length - 1 + body.length);
    const c = /^\s*catch\s*(\([^)]*\))?\s*\{/.exec(rest);
    if (!c) continue; // try/finally
    const handler = block(rest, c[0].length - 1);
    if (/\bthrow\b/.test(handler)) continue; // rethrows: an assertion wrapped with context, not an expected rejection
    if (!/\bnoLeak\(/.test(body)) out.push(code.slice(0, m.index).split('\n').length);
  }
  for (const m of code.matchAll(/expect\(\s*gpu\.run\(/g)) {
    const end = code.indexOf(';', m.index);
    const stmt = code.slice(m.index, end);
    if (/\.rejects\b/.test(stmt) && !/\bnoLeak\(/.test(stmt)) out.push(code.slice(0, m.index).split('\n').length);
  }
  return out;
}

describe('rejection tests check for leaks', () => {
  it('the scan finds a bare try/catch and a bare .rejects, and passes wrapped ones', () => {
    expect(unchecked('try {\n  E.add(a, b);\n} catch (e) {\n  m = e;\n}')).toEqual([1]);
    expect(unchecked('await expect(gpu.run(async (E) => E.f())).rejects.toThrow(/x/);')).toEqual([1]);
    expect(unchecked('try {\n  H.noLeak(E, () => E.add(a, b));\n} catch (e) {\n  m = e;\n}')).toEqual([]);
    expect(unchecked('try {\n  check();\n} catch (e) {\n  throw new Error(`ctx: ${e}`);\n}')).toEqual([]);
    expect(unchecked('await expect(gpu.run(async (E, H) => H.noLeak(E, () => E.f()))).rejects.toThrow(/x/);')).toEqual([]);
  });

  it.each(files)('%s: every expected rejection runs through H.noLeak', (file) => {
    expect(unchecked(readFileSync(new URL(file, DIR), 'utf8'))).toEqual([]);
  });
});

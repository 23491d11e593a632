// The test harness itself: closeness assertions, seeded data, CPU references.

import { describe, expect, it } from 'vitest';
import { expectAllClose } from '../harness/assert.ts';
import { allClose, broadcastShapes, broadcastTo, matmul, randomArray, seededRandom } from '../harness/cpu.ts';

describe('expectAllClose', () => {
  it('passes within atol + rtol·|expected|', () => {
    expectAllClose([1, 2.0001, 100.009], [1, 2, 100]);
    expectAllClose([NaN, Infinity, -Infinity], [NaN, Infinity, -Infinity]);
  });

  it('reports the count, the worst element and the first mismatches', () => {
    const expected = [0, 1, 2, 3, 4, 5];
    const actual = [0, 1.1, 2, 3.5, 4, 5.2];
    let message = '';
    try {
      expectAllClose(actual, expected, { shape: [2, 3] });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('3 of 6 elements differ');
    expect(message).toMatch(/worst \[1,0\]: actual 3\.5, expected 3, error 0\.500/);
    expect(message).toContain('[0,1]: actual 1.1, expected 1');
    expect(message).toContain('[1,2]: actual 5.2, expected 5');
  });

  it('fails on a length mismatch or on NaN where a number is expected', () => {
    expect(() => expectAllClose([1, 2], [1, 2, 3])).toThrow('length differs: actual 2, expected 3');
    expect(() => expectAllClose([NaN], [1])).toThrow(/worst \[0\]: actual NaN, expected 1, error Infinity/);
    expect(() => expectAllClose([1], [1.01], { atol: 0, rtol: 1e-3 })).toThrow('1 of 1 elements differ');
  });
});

describe('seeded data', () => {
  it('is deterministic, in [-1, 1), and exact in float32', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= -1 && x < 1)).toBe(true);
    expect(Array.from(Float32Array.from(xs))).toEqual(xs);
    expect(Array.from(randomArray(1000, 42))).toEqual(xs);
    expect(Array.from(randomArray(8, 43))).not.toEqual(xs.slice(0, 8));
  });

  it('pins its first values, so the page and Node stay in step across edits', () => {
    expect(Array.from(randomArray(3, 1))).toMatchInlineSnapshot(`
      [
        0.2541477680206299,
        -0.9945286512374878,
        0.05489397048950195,
      ]
    `);
  });
});

describe('CPU references', () => {
  it('broadcasts shapes by NumPy rules', () => {
    expect(broadcastShapes([2, 1, 3], [4, 1])).toEqual([2, 4, 3]);
    expect(broadcastShapes([], [5])).toEqual([5]);
    expect(() => broadcastShapes([2, 3], [4])).toThrow('[2,3] and [4] do not broadcast');
    expect(Array.from(broadcastTo([1, 2], [2, 1], [2, 3]))).toEqual([1, 1, 1, 2, 2, 2]);
  });

  it('multiplies matrices', () => {
    // [[1,2,3],[4,5,6]] @ [[1,0],[0,1],[1,1]]
    expect(Array.from(matmul([1, 2, 3, 4, 5, 6], [1, 0, 0, 1, 1, 1], 2, 3, 2))).toEqual([4, 5, 10, 11]);
    expect(allClose([1, 2], [1, 2 + 1e-6])).toBe(true);
    expect(allClose([1, 2], [1, 2, 3])).toBe(false);
  });
});

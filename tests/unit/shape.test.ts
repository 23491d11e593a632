import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/engine/errors.ts';
import {
  broadcastShapes, broadcastStrides, inferReshape, normalizeDim, normalizeDims, reducedDimsForBroadcast, sizeOf, stridesOf,
} from '../../src/engine/shape.ts';
import { broadcastLaunch } from '../../src/engine/ops/broadcast-params.ts';

describe('shape arithmetic', () => {
  it('sizes and strides', () => {
    expect(sizeOf([])).toBe(1);
    expect(sizeOf([2, 0, 3])).toBe(0);
    expect(stridesOf([2, 3, 4])).toEqual([12, 4, 1]);
    expect(stridesOf([])).toEqual([]);
  });

  it('broadcasts like PyTorch', () => {
    expect(broadcastShapes('add', [3, 1, 5], [4, 1])).toEqual([3, 4, 5]);
    expect(broadcastShapes('add', [], [2, 3])).toEqual([2, 3]);
    expect(broadcastShapes('add', [1], [0])).toEqual([0]);
    expect(() => broadcastShapes('add', [2, 3], [4, 3])).toThrow(ShapeError);
    expect(() => broadcastShapes('mul', [2, 3], [4, 3])).toThrow('mul: shapes [2,3] and [4,3] cannot be broadcast (dim 0: 2 vs 4)');
  });

  it('broadcast strides are 0 along broadcast dims', () => {
    expect(broadcastStrides([4, 1], [3, 4, 5])).toEqual([0, 1, 0]);
    expect(broadcastStrides([3, 1, 5], [3, 4, 5])).toEqual([5, 0, 1]);
    expect(broadcastStrides([], [2, 2])).toEqual([0, 0]);
  });

  it('finds the dims to sum for a broadcast gradient', () => {
    expect(reducedDimsForBroadcast([4, 1], [3, 4, 5])).toEqual([0, 2]);
    expect(reducedDimsForBroadcast([3, 4, 5], [3, 4, 5])).toEqual([]);
    expect(reducedDimsForBroadcast([], [2, 3])).toEqual([0, 1]);
  });

  it('normalizes dims and rejects bad ones with the op name', () => {
    expect(normalizeDim('sum', -1, 3)).toBe(2);
    expect(() => normalizeDim('sum', 3, 3)).toThrow('sum: dim 3 is out of range for a tensor of rank 3');
    expect(normalizeDims('mean', [2, -3], 3)).toEqual([0, 2]);
    expect(normalizeDims('mean', undefined, 2)).toEqual([0, 1]);
    expect(() => normalizeDims('mean', [1, -1], 2)).toThrow('repeat');
  });

  it('infers one -1 in reshape', () => {
    expect(inferReshape('reshape', [2, 3, 4], [4, -1])).toEqual([4, 6]);
    expect(() => inferReshape('reshape', [2, 3], [4, -1])).toThrow('reshape: cannot reshape [2,3] (6 elements) to [4,-1]');
    expect(() => inferReshape('reshape', [2, 3], [-1, -1])).toThrow('only one dim');
  });
});

describe('broadcastLaunch: coalesced dims of a two-operand broadcast', () => {
  const launchOf = (a: number[], b: number[], out: number[]) => broadcastLaunch({ shape: a }, { shape: b }, out, out.reduce((x, y) => x * y, 1));
  it('equal shapes are one contiguous dim, read without index arithmetic', () => {
    expect(launchOf([2, 3, 4], [2, 3, 4], [2, 3, 4])).toEqual({
      params: { n: 24, shape: [24], a_strides: [1], b_strides: [1] }, constants: { RANK: 1, BROADCAST: 0 }, perThread: 4,
    });
  });
  it('a per-channel [C,1,1] over NCHW merges H and W', () => {
    expect(launchOf([2, 3, 4, 5], [3, 1, 1], [2, 3, 4, 5]).params).toEqual({ n: 120, shape: [2, 3, 20], a_strides: [60, 20, 1], b_strides: [0, 1, 0] });
  });
  it('size-1 dims drop, a matching suffix merges, a scalar operand keeps stride 0', () => {
    expect(launchOf([2, 3, 4], [1, 3, 4], [2, 3, 4]).params).toEqual({ n: 24, shape: [2, 12], a_strides: [12, 1], b_strides: [0, 1] });
    expect(launchOf([5, 1], [], [5, 1])).toEqual({
      params: { n: 5, shape: [5], a_strides: [1], b_strides: [0] }, constants: { RANK: 1, BROADCAST: 1 }, perThread: 1,
    });
    expect(launchOf([1, 1], [1], [1, 1])).toEqual({
      params: { n: 1, shape: [], a_strides: [], b_strides: [] }, constants: { RANK: 0, BROADCAST: 0 }, perThread: 1,
    });
  });
  it('4 outputs per thread when the innermost dim is a multiple of 4', () => {
    expect(launchOf([2, 3, 4, 8], [3, 1, 1], [2, 3, 4, 8]).perThread).toBe(4); // innermost 32
    expect(launchOf([4, 6], [4, 1], [4, 6]).perThread).toBe(1); // innermost 6
  });
  it('both operands broadcast: nothing merges across the switch', () => {
    expect(launchOf([2, 1, 4], [1, 3, 1], [2, 3, 4]).params).toEqual({ n: 24, shape: [2, 3, 4], a_strides: [4, 0, 1], b_strides: [0, 1, 0] });
  });
});

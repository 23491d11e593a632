// Small CPU references for tests (and benchmark validation): seeded data, broadcasting shapes, a naive
// matmul, and the closeness check. Plain TypeScript with no Node or DOM dependency, so the page could
// import it too.

export { seededRandom, randomArray } from './random.ts';

/** Number of elements of a shape (1 for a scalar `[]`). */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Row-major strides of a shape: `[2,3,4]` → `[12,4,1]`. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = stride;
    stride *= shape[i]!;
  }
  return strides;
}

/**
 * The shape two shapes broadcast to, by NumPy's rules: align from the right; each pair of sizes must be
 * equal or contain a 1. Throws when they do not broadcast.
 */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`broadcastShapes: [${a.join(',')}] and [${b.join(',')}] do not broadcast`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Copies `data` of shape `from` out to the shape `to` it broadcasts to (row-major). */
export function broadcastTo(data: ArrayLike<number>, from: readonly number[], to: readonly number[]): Float64Array {
  const target = broadcastShapes(from, to);
  if (target.join(',') !== to.join(',')) {
    throw new Error(`broadcastTo: [${from.join(',')}] does not broadcast to [${to.join(',')}]`);
  }
  const inStrides = stridesOf(from);
  const out = new Float64Array(sizeOf(to));
  const offset = to.length - from.length;
  for (let flat = 0; flat < out.length; flat++) {
    let rest = flat;
    let src = 0;
    for (let axis = to.length - 1; axis >= 0; axis--) {
      const size = to[axis]!;
      const coord = rest % size;
      rest = (rest - coord) / size;
      const inAxis = axis - offset;
      if (inAxis >= 0 && from[inAxis] !== 1) src += coord * inStrides[inAxis]!;
    }
    out[flat] = data[src]!;
  }
  return out;
}

/** Row-major `[m,k] @ [k,n]`, accumulated in float64. */
export function matmul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  if (a.length !== m * k) throw new Error(`matmul: a has ${a.length} elements, expected [${m},${k}]`);
  if (b.length !== k * n) throw new Error(`matmul: b has ${b.length} elements, expected [${k},${n}]`);
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += a[i * k + p]! * b[p * n + j]!;
      out[i * n + j] = sum;
    }
  }
  return out;
}

export interface CloseOptions {
  /** Absolute tolerance. Default 1e-5. */
  atol?: number;
  /** Relative tolerance, scaled by |expected|. Default 1e-4. */
  rtol?: number;
}

export interface Mismatch {
  index: number;
  actual: number;
  expected: number;
  /** |actual − expected|; Infinity when exactly one of them is NaN or they are different infinities. */
  error: number;
  /** atol + rtol·|expected|. */
  tolerance: number;
}

export interface CloseReport {
  /** Number of elements outside tolerance. */
  count: number;
  /** The element whose error exceeds its tolerance by the largest margin. */
  worst: Mismatch | null;
  /** The first few mismatches, in index order. */
  first: Mismatch[];
}

/**
 * Compares elementwise: `|actual − expected| ≤ atol + rtol·|expected|`. NaN matches NaN and an infinity
 * matches the same infinity (so tests can assert NaN/Inf propagation). Lengths must already agree.
 */
export function compareClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { atol = 1e-5, rtol = 1e-4 }: CloseOptions = {},
  keepFirst = 5,
): CloseReport {
  const report: CloseReport = { count: 0, worst: null, first: [] };
  const n = Math.min(actual.length, expected.length);
  let worstMargin = -Infinity;
  for (let i = 0; i < n; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
    const tolerance = atol + rtol * Math.abs(e);
    const diff = Math.abs(a - e);
    const error = Number.isNaN(diff) || diff === Infinity ? Infinity : diff;
    if (error <= tolerance) continue;
    const mismatch = { index: i, actual: a, expected: e, error, tolerance };
    report.count++;
    if (report.first.length < keepFirst) report.first.push(mismatch);
    const margin = error - tolerance;
    if (margin > worstMargin) {
      worstMargin = margin;
      report.worst = mismatch;
    }
  }
  return report;
}

/** True when the lengths agree and every element is within tolerance (see compareClose). */
export function allClose(actual: ArrayLike<number>, expected: ArrayLike<number>, options: CloseOptions = {}): boolean {
  return actual.length === expected.length && compareClose(actual, expected, options, 0).count === 0;
}

// Host-side solvers for the gradient weightings: pure functions of the tasks' Gram matrix M = G·Gᵀ (T×T,
// M_ij = g_i·g_j), in float64. Each method reads M back once per step (T² floats) and solves here: T is the
// number of tasks (2 to ~10), so every solver costs microseconds on the host, while the same work on the GPU
// would be dozens of one-thread dispatches (iterative solvers with data-dependent stopping rules) and the
// coefficients are needed on the host anyway to scale the gradients. No GPU work, no allocation of tensors.

export type Matrix = number[][];

export function matVec(M: Matrix, v: readonly number[]): number[] {
  return M.map((row) => row.reduce((s, x, j) => s + x * v[j]!, 0));
}

export function dot(a: readonly number[], b: readonly number[]): number {
  return a.reduce((s, x, i) => s + x * b[i]!, 0);
}

/** vᵀMv. */
export function quad(M: Matrix, v: readonly number[]): number {
  return dot(v, matVec(M, v));
}

/** M + eps·(trace(M)/T)·I: keeps solvers that need an invertible M defined when task gradients are collinear. */
export function ridge(M: Matrix, eps: number): Matrix {
  const T = M.length;
  const scale = (M.reduce((s, row, i) => s + row[i]!, 0) / T) || 1;
  return M.map((row, i) => row.map((x, j) => (i === j ? x + eps * scale : x)));
}

/** Euclidean projection onto the probability simplex (sort-based, Held, Wolfe & Crowder 1974). */
export function projectSimplex(v: readonly number[]): number[] {
  const u = [...v].sort((a, b) => b - a);
  let css = 0;
  let theta = 0;
  for (let k = 0; k < u.length; k++) {
    css += u[k]!;
    const t = (css - 1) / (k + 1);
    if (u[k]! - t > 0) theta = t;
  }
  return v.map((x) => Math.max(x - theta, 0));
}

/** Solves A x = b by Gaussian elimination with partial pivoting; throws on a singular A. */
export function solveLinear(A: Matrix, b: readonly number[]): number[] {
  const n = b.length;
  const m = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    if (Math.abs(m[p]![c]!) < 1e-300) throw new Error('solveLinear: singular matrix');
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= m[r]![k]! * x[k]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

/** Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: values and column eigenvectors V (M = V·diag·Vᵀ). */
export function symmetricEigen(M: Matrix): { values: number[]; vectors: Matrix } {
  const n = M.length;
  const a = M.map((row) => [...row]);
  const v: number[][] = M.map((_, i) => M.map((__, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p]![q]! ** 2;
    if (off < 1e-30 * Math.max(1e-300, a.reduce((s, row, i) => s + row[i]! ** 2, 0))) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (a[p]![q]! === 0) continue;
        const theta = (a[q]![q]! - a[p]![p]!) / (2 * a[p]![q]!);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k]![p]!;
          const akq = a[k]![q]!;
          a[k]![p] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p]![k]!;
          const aqk = a[q]![k]!;
          a[p]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k]![p]!;
          const vkq = v[k]![q]!;
          v[k]![p] = c * vkp - s * vkq;
          v[k]![q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: a.map((row, i) => row[i]!), vectors: v };
}

/**
 * min ½·vᵀMv subject to v ≥ lower (componentwise), by exact cyclic coordinate descent (each coordinate's
 * 1-D problem is solved in closed form and clipped). Converges linearly for a positive definite M.
 */
export function boxQp(M: Matrix, lower: readonly number[], iterations = 10000, tol = 1e-14): number[] {
  const T = M.length;
  const v = [...lower];
  const Mv = matVec(M, v);
  for (let it = 0; it < iterations; it++) {
    let change = 0;
    for (let k = 0; k < T; k++) {
      const mkk = M[k]![k]!;
      if (!(mkk > 0)) continue;
      const next = Math.max(lower[k]!, v[k]! - Mv[k]! / mkk);
      const d = next - v[k]!;
      if (d === 0) continue;
      v[k] = next;
      for (let i = 0; i < T; i++) Mv[i]! += M[i]![k]! * d;
      change = Math.max(change, Math.abs(d));
    }
    if (change <= tol * Math.max(1, ...v.map(Math.abs))) break;
  }
  return v;
}

/**
 * Minimizes a convex function over the probability simplex by projected gradient descent with backtracking
 * (Armijo) and a step that grows back after each accepted step. f and its gradient are given.
 */
export function minimizeOnSimplex(f: (w: number[]) => number, grad: (w: number[]) => number[], start: number[], iterations = 20000, tol = 1e-13): number[] {
  let w = projectSimplex(start);
  let fw = f(w);
  let step = 1;
  for (let it = 0; it < iterations; it++) {
    const g = grad(w);
    let next: number[];
    let fn: number;
    for (;;) {
      next = projectSimplex(w.map((x, i) => x - step * g[i]!));
      fn = f(next);
      const d = next.map((x, i) => x - w[i]!);
      if (fn <= fw + dot(g, d) + dot(d, d) / (2 * step) || step < 1e-20) break;
      step /= 2;
    }
    const moved = Math.max(...next.map((x, i) => Math.abs(x - w[i]!)));
    w = next;
    fw = fn;
    step *= 2;
    if (moved < tol) break;
  }
  return w;
}

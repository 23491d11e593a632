// Float64 CPU references for the engine's primitive ops, addressed by the same op specs the page uses
// (tests/harness/ops-in-page.ts), plus central finite differences over them. GPU forward results are
// checked against `cpuForward`, GPU gradients against `finiteDifferenceGrads` of the same reference.

import { broadcastShapes, sizeOf, stridesOf } from './cpu.ts';

export interface Nd {
  shape: number[];
  data: Float64Array;
}

export interface OpSpec {
  op: string;
  attrs?: Record<string, unknown>;
}

const nd = (shape: number[], data?: ArrayLike<number>): Nd => ({ shape, data: data ? Float64Array.from(data) : new Float64Array(sizeOf(shape)) });

/** erf to ~1e-15 (series for small |x|, continued fraction / asymptotic via erfc otherwise). */
function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // Maclaurin series: 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1))
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 80; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc continued fraction (Lentz) for larger |x|
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + k / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

const unary: Record<string, (v: number) => number> = {
  neg: (v) => -v,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  abs: Math.abs,
  relu: (v) => Math.max(v, 0),
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  tanh: Math.tanh,
  gelu: (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)),
};

const binary: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => a ** b,
  maximum: (a, b) => Math.max(a, b),
};

function broadcastBinary(f: (a: number, b: number) => number, a: Nd, b: Nd): Nd {
  const shape = broadcastShapes(a.shape, b.shape);
  const out = nd(shape);
  const idxOf = (src: Nd, coords: number[]): number => {
    const st = stridesOf(src.shape);
    const off = shape.length - src.shape.length;
    let j = 0;
    src.shape.forEach((d, k) => (j += d === 1 ? 0 : coords[k + off]! * st[k]!));
    return j;
  };
  forEachIndex(shape, (coords, i) => (out.data[i] = f(a.data[idxOf(a, coords)]!, b.data[idxOf(b, coords)]!)));
  return out;
}

function forEachIndex(shape: readonly number[], fn: (coords: number[], flat: number) => void): void {
  const n = sizeOf(shape);
  const coords = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    fn(coords, i);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++coords[d]! < shape[d]!) break;
      coords[d] = 0;
    }
  }
}

function normDim(d: number, rank: number): number {
  return d < 0 ? d + rank : d;
}

function reduce(x: Nd, dims: number[] | undefined, keepdim: boolean, init: number, f: (acc: number, v: number) => number): Nd {
  const ds = (dims ?? x.shape.map((_, i) => i)).map((d) => normDim(d, x.shape.length));
  const keptShape = x.shape.map((d, i) => (ds.includes(i) ? 1 : d));
  const out = nd(keptShape);
  out.data.fill(init);
  const st = stridesOf(keptShape);
  forEachIndex(x.shape, (c, i) => {
    let j = 0;
    c.forEach((v, k) => (j += ds.includes(k) ? 0 : v * st[k]!));
    out.data[j] = f(out.data[j]!, x.data[i]!);
  });
  if (!keepdim) out.shape = x.shape.filter((_, i) => !ds.includes(i));
  return out;
}

function permute(x: Nd, order: number[]): Nd {
  const shape = order.map((d) => x.shape[d]!);
  const st = stridesOf(x.shape);
  const out = nd(shape);
  forEachIndex(shape, (c, i) => {
    let j = 0;
    c.forEach((v, k) => (j += v * st[order[k]!]!));
    out.data[i] = x.data[j]!;
  });
  return out;
}

function softmax(x: Nd, dim: number, log: boolean): Nd {
  const d = normDim(dim, x.shape.length);
  const m = reduce(x, [d], true, -Infinity, Math.max);
  const e = broadcastBinary((a, b) => Math.exp(a - b), x, m);
  const s = reduce(e, [d], true, 0, (a, v) => a + v);
  if (!log) return broadcastBinary((a, b) => a / b, e, s);
  const shifted = broadcastBinary((a, b) => a - b, x, m);
  return broadcastBinary((a, b) => a - Math.log(b), shifted, s);
}

function matmul(a: Nd, b: Nd): Nd {
  const as = a.shape.length === 1 ? [1, a.shape[0]!] : a.shape;
  const bs = b.shape.length === 1 ? [b.shape[0]!, 1] : b.shape;
  const [M, K] = as.slice(-2) as [number, number];
  const N = bs[bs.length - 1]!;
  const batch = broadcastShapes(as.slice(0, -2), bs.slice(0, -2));
  const out = nd([...batch, M, N]);
  const aB = sizeOf(as.slice(0, -2));
  const bB = sizeOf(bs.slice(0, -2));
  const bIdx = (src: number[], coords: number[]): number => {
    const off = batch.length - src.length;
    const st = stridesOf(src);
    let j = 0;
    src.forEach((d, k) => (j += d === 1 ? 0 : coords[k + off]! * st[k]!));
    return j;
  };
  forEachIndex(batch, (c, bi) => {
    const ia = aB === 1 ? 0 : bIdx(as.slice(0, -2), c);
    const ib = bB === 1 ? 0 : bIdx(bs.slice(0, -2), c);
    for (let m = 0; m < M; m++)
      for (let n = 0; n < N; n++) {
        let acc = 0;
        for (let k = 0; k < K; k++) acc += a.data[ia * M * K + m * K + k]! * b.data[ib * K * N + k * N + n]!;
        out.data[(bi * M + m) * N + n] = acc;
      }
  });
  let shape = [...batch, M, N];
  if (a.shape.length === 1) shape = [...batch, N];
  if (b.shape.length === 1) shape = a.shape.length === 1 ? [...batch] : [...batch, M];
  out.shape = shape;
  return out;
}

/** The float64 reference of one op spec. */
export function cpuForward(spec: OpSpec, inputs: Nd[]): Nd {
  const A = (spec.attrs ?? {}) as Record<string, any>;
  const [x, y] = inputs as [Nd, Nd];
  if (spec.op in unary) return nd(x.shape, x.data.map(unary[spec.op]!));
  if (spec.op in binary) {
    if (typeof A.scalar === 'number') {
      const s = nd([], [A.scalar]);
      return A.scalarLeft ? broadcastBinary(binary[spec.op]!, s, x) : broadcastBinary(binary[spec.op]!, x, s);
    }
    return broadcastBinary(binary[spec.op]!, x, y);
  }
  switch (spec.op) {
    case 'reshape':
      return nd(A.shape.map((d: number) => (d === -1 ? x.data.length / -A.shape.reduce((p: number, q: number) => p * q, 1) : d)), x.data);
    case 'permute':
      return permute(x, A.dims.map((d: number) => normDim(d, x.shape.length)));
    case 'transpose': {
      const order = x.shape.map((_, i) => i);
      const a = normDim(A.dim0, x.shape.length);
      const b = normDim(A.dim1, x.shape.length);
      [order[a], order[b]] = [order[b]!, order[a]!];
      return permute(x, order);
    }
    case 'expand':
      return broadcastBinary((a) => a, x, nd(A.shape));
    case 'slice': {
      const d = normDim(A.dim, x.shape.length);
      const n = x.shape[d]!;
      const clampI = (i: number): number => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
      const s = clampI(A.start);
      const e = clampI(A.end ?? n);
      const step = A.step ?? 1;
      const idx: number[] = [];
      for (let i = s; i < e; i += step) idx.push(i);
      const shape = [...x.shape];
      shape[d] = idx.length;
      const st = stridesOf(x.shape);
      const out = nd(shape);
      forEachIndex(shape, (c, i) => {
        let j = 0;
        c.forEach((v, k) => (j += (k === d ? idx[v]! : v) * st[k]!));
        out.data[i] = x.data[j]!;
      });
      return out;
    }
    case 'concat': {
      const d = normDim(A.dim, x.shape.length);
      const shape = [...x.shape];
      shape[d] = inputs.reduce((acc, t) => acc + t.shape[d]!, 0);
      const out = nd(shape);
      forEachIndex(shape, (c, i) => {
        let pos = c[d]!;
        let k = 0;
        while (pos >= inputs[k]!.shape[d]!) pos -= inputs[k++]!.shape[d]!;
        const src = inputs[k]!;
        const st = stridesOf(src.shape);
        let j = 0;
        c.forEach((v, a) => (j += (a === d ? pos : v) * st[a]!));
        out.data[i] = src.data[j]!;
      });
      return out;
    }
    case 'sum':
      return reduce(x, A.dim === undefined ? undefined : [A.dim].flat(), !!A.keepdim, 0, (a, v) => a + v);
    case 'mean': {
      const s = reduce(x, A.dim === undefined ? undefined : [A.dim].flat(), !!A.keepdim, 0, (a, v) => a + v);
      const count = x.data.length / Math.max(1, s.data.length);
      return nd(s.shape, s.data.map((v) => v / count));
    }
    case 'max':
      return reduce(x, A.dim === undefined ? undefined : [A.dim], !!A.keepdim, -Infinity, Math.max);
    case 'min':
      return reduce(x, A.dim === undefined ? undefined : [A.dim], !!A.keepdim, Infinity, Math.min);
    case 'softmax':
      return softmax(x, A.dim ?? -1, false);
    case 'logSoftmax':
      return softmax(x, A.dim ?? -1, true);
    case 'matmul':
      return matmul(x, y);
    default:
      throw new Error(`cpuForward: unknown op ${spec.op}`);
  }
}

/** d(Σ out·g)/d(input) for every input, by central differences of the float64 reference. */
export function finiteDifferenceGrads(spec: OpSpec, inputs: Nd[], g: ArrayLike<number>, h = 1e-4): Float64Array[] {
  const loss = (ins: Nd[]): number => {
    const out = cpuForward(spec, ins);
    let s = 0;
    for (let i = 0; i < out.data.length; i++) s += out.data[i]! * g[i]!;
    return s;
  };
  return inputs.map((input, which) => {
    const grad = new Float64Array(input.data.length);
    for (let j = 0; j < input.data.length; j++) {
      const bump = (delta: number): number => {
        const copy = inputs.map((t, k) => (k === which ? nd(t.shape, t.data) : t));
        copy[which]!.data[j]! += delta;
        return loss(copy);
      };
      grad[j] = (bump(h) - bump(-h)) / (2 * h);
    }
    return grad;
  });
}

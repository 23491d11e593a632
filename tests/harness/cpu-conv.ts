// CPU references for conv2d and pooling (NCHW activations, OIHW weights), accumulated in float64. They are
// direct transcriptions of the definitions, with no tiling and nothing shared with the GPU kernels, so a
// kernel and its reference can only agree by both being right. Plain TypeScript: usable in Node and in the page.

export type Pair = [number, number];

export interface Conv2dGeometry {
  /** Input [N, C, H, W]. */
  input: readonly [number, number, number, number];
  /** Weight [O, C/groups, kH, kW]. */
  weight: readonly [number, number, number, number];
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
}

export interface Conv2dDims {
  N: number; C: number; H: number; W: number;
  O: number; Cg: number; Og: number; kH: number; kW: number;
  sH: number; sW: number; pH: number; pW: number; dH: number; dW: number;
  groups: number; OH: number; OW: number;
}

/** Output size of a sliding window along one axis (PyTorch's floor formula). */
export function windowOutputSize(size: number, kernel: number, stride: number, padding: number, dilation = 1): number {
  return Math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;
}

export function conv2dDims(geo: Conv2dGeometry): Conv2dDims {
  const [N, C, H, W] = geo.input;
  const [O, Cg, kH, kW] = geo.weight;
  const [sH, sW] = geo.stride ?? [1, 1];
  const [pH, pW] = geo.padding ?? [0, 0];
  const [dH, dW] = geo.dilation ?? [1, 1];
  const groups = geo.groups ?? 1;
  if (Cg * groups !== C || O % groups !== 0) {
    throw new Error(`conv2dDims: channels ${C}/${O} do not fit weight [${geo.weight.join(',')}] with groups ${groups}`);
  }
  const OH = windowOutputSize(H, kH, sH, pH, dH);
  const OW = windowOutputSize(W, kW, sW, pW, dW);
  return { N, C, H, W, O, Cg, Og: O / groups, kH, kW, sH, sW, pH, pW, dH, dW, groups, OH, OW };
}

/** y[n,o,oh,ow] = b[o] + Σ_{c,kh,kw} x[n, g·Cg + c, oh·s − p + kh·d, ow·s − p + kw·d] · w[o,c,kh,kw]. */
export function conv2dForward(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null, geo: Conv2dGeometry): Float64Array {
  const d = conv2dDims(geo);
  const y = new Float64Array(d.N * d.O * d.OH * d.OW);
  for (let n = 0; n < d.N; n++) {
    for (let o = 0; o < d.O; o++) {
      const g = Math.floor(o / d.Og);
      for (let oh = 0; oh < d.OH; oh++) {
        for (let ow = 0; ow < d.OW; ow++) {
          let acc = b ? b[o]! : 0;
          for (let c = 0; c < d.Cg; c++) {
            for (let kh = 0; kh < d.kH; kh++) {
              const ih = oh * d.sH - d.pH + kh * d.dH;
              if (ih < 0 || ih >= d.H) continue;
              for (let kw = 0; kw < d.kW; kw++) {
                const iw = ow * d.sW - d.pW + kw * d.dW;
                if (iw < 0 || iw >= d.W) continue;
                acc += x[((n * d.C + g * d.Cg + c) * d.H + ih) * d.W + iw]! * w[((o * d.Cg + c) * d.kH + kh) * d.kW + kw]!;
              }
            }
          }
          y[((n * d.O + o) * d.OH + oh) * d.OW + ow] = acc;
        }
      }
    }
  }
  return y;
}

/**
 * The three gradients of conv2d for upstream gradient `gy` [N,O,OH,OW], written as the scatter (adjoint) of
 * the forward loop: every product x·w in the forward sends gy·w to dx and gy·x to dw.
 */
export function conv2dBackward(
  x: ArrayLike<number>, w: ArrayLike<number>, gy: ArrayLike<number>, geo: Conv2dGeometry,
): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const d = conv2dDims(geo);
  const dx = new Float64Array(d.N * d.C * d.H * d.W);
  const dw = new Float64Array(d.O * d.Cg * d.kH * d.kW);
  const db = new Float64Array(d.O);
  for (let n = 0; n < d.N; n++) {
    for (let o = 0; o < d.O; o++) {
      const g = Math.floor(o / d.Og);
      for (let oh = 0; oh < d.OH; oh++) {
        for (let ow = 0; ow < d.OW; ow++) {
          const gv = gy[((n * d.O + o) * d.OH + oh) * d.OW + ow]!;
          db[o] = db[o]! + gv;
          for (let c = 0; c < d.Cg; c++) {
            for (let kh = 0; kh < d.kH; kh++) {
              const ih = oh * d.sH - d.pH + kh * d.dH;
              if (ih < 0 || ih >= d.H) continue;
              for (let kw = 0; kw < d.kW; kw++) {
                const iw = ow * d.sW - d.pW + kw * d.dW;
                if (iw < 0 || iw >= d.W) continue;
                const xi = ((n * d.C + g * d.Cg + c) * d.H + ih) * d.W + iw;
                const wi = ((o * d.Cg + c) * d.kH + kh) * d.kW + kw;
                dx[xi] = dx[xi]! + gv * w[wi]!;
                dw[wi] = dw[wi]! + gv * x[xi]!;
              }
            }
          }
        }
      }
    }
  }
  return { dx, dw, db };
}

export interface PoolGeometry {
  input: readonly [number, number, number, number];
  kernel: Pair;
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
}

function poolDims(geo: PoolGeometry) {
  const [N, C, H, W] = geo.input;
  const [kH, kW] = geo.kernel;
  const [sH, sW] = geo.stride ?? geo.kernel;
  const [pH, pW] = geo.padding ?? [0, 0];
  const [dH, dW] = geo.dilation ?? [1, 1];
  return { N, C, H, W, kH, kW, sH, sW, pH, pW, dH, dW, OH: windowOutputSize(H, kH, sH, pH, dH), OW: windowOutputSize(W, kW, sW, pW, dW) };
}

/** Max over each window (padding never wins); `indices` = h·W + w of the first maximum, as in PyTorch. */
export function maxPool2dForward(x: ArrayLike<number>, geo: PoolGeometry): { y: Float64Array; indices: Int32Array } {
  const d = poolDims(geo);
  const y = new Float64Array(d.N * d.C * d.OH * d.OW);
  const indices = new Int32Array(y.length);
  for (let p = 0; p < d.N * d.C; p++) {
    for (let oh = 0; oh < d.OH; oh++) {
      for (let ow = 0; ow < d.OW; ow++) {
        let best = -Infinity;
        let arg = -1;
        for (let kh = 0; kh < d.kH; kh++) {
          const ih = oh * d.sH - d.pH + kh * d.dH;
          if (ih < 0 || ih >= d.H) continue;
          for (let kw = 0; kw < d.kW; kw++) {
            const iw = ow * d.sW - d.pW + kw * d.dW;
            if (iw < 0 || iw >= d.W) continue;
            const v = x[(p * d.H + ih) * d.W + iw]!;
            if (v > best || Number.isNaN(v)) {
              best = v;
              arg = ih * d.W + iw;
              if (Number.isNaN(v)) break;
            }
          }
        }
        const o = (p * d.OH + oh) * d.OW + ow;
        y[o] = best;
        indices[o] = arg;
      }
    }
  }
  return { y, indices };
}

export function maxPool2dBackward(gy: ArrayLike<number>, indices: ArrayLike<number>, geo: PoolGeometry): Float64Array {
  const d = poolDims(geo);
  const dx = new Float64Array(d.N * d.C * d.H * d.W);
  for (let p = 0; p < d.N * d.C; p++) {
    for (let o = 0; o < d.OH * d.OW; o++) {
      const i = indices[p * d.OH * d.OW + o]!;
      if (i >= 0) dx[p * d.H * d.W + i] = dx[p * d.H * d.W + i]! + gy[p * d.OH * d.OW + o]!;
    }
  }
  return dx;
}

/** Divisor of one average-pool window: kH·kW, or the number of taps inside the input when excluding pad. */
function avgDivisor(d: ReturnType<typeof poolDims>, oh: number, ow: number, countIncludePad: boolean): number {
  if (countIncludePad) return d.kH * d.kW;
  const h0 = oh * d.sH - d.pH;
  const w0 = ow * d.sW - d.pW;
  const hs = Math.min(h0 + d.kH, d.H) - Math.max(h0, 0);
  const ws = Math.min(w0 + d.kW, d.W) - Math.max(w0, 0);
  return hs * ws;
}

export function avgPool2dForward(x: ArrayLike<number>, geo: PoolGeometry, countIncludePad = true): Float64Array {
  const d = poolDims(geo);
  const y = new Float64Array(d.N * d.C * d.OH * d.OW);
  for (let p = 0; p < d.N * d.C; p++) {
    for (let oh = 0; oh < d.OH; oh++) {
      for (let ow = 0; ow < d.OW; ow++) {
        let acc = 0;
        for (let kh = 0; kh < d.kH; kh++) {
          const ih = oh * d.sH - d.pH + kh;
          if (ih < 0 || ih >= d.H) continue;
          for (let kw = 0; kw < d.kW; kw++) {
            const iw = ow * d.sW - d.pW + kw;
            if (iw >= 0 && iw < d.W) acc += x[(p * d.H + ih) * d.W + iw]!;
          }
        }
        y[(p * d.OH + oh) * d.OW + ow] = acc / avgDivisor(d, oh, ow, countIncludePad);
      }
    }
  }
  return y;
}

export function avgPool2dBackward(gy: ArrayLike<number>, geo: PoolGeometry, countIncludePad = true): Float64Array {
  const d = poolDims(geo);
  const dx = new Float64Array(d.N * d.C * d.H * d.W);
  for (let p = 0; p < d.N * d.C; p++) {
    for (let oh = 0; oh < d.OH; oh++) {
      for (let ow = 0; ow < d.OW; ow++) {
        const share = gy[(p * d.OH + oh) * d.OW + ow]! / avgDivisor(d, oh, ow, countIncludePad);
        for (let kh = 0; kh < d.kH; kh++) {
          const ih = oh * d.sH - d.pH + kh;
          if (ih < 0 || ih >= d.H) continue;
          for (let kw = 0; kw < d.kW; kw++) {
            const iw = ow * d.sW - d.pW + kw;
            if (iw >= 0 && iw < d.W) { const i = (p * d.H + ih) * d.W + iw; dx[i] = dx[i]! + share; }
          }
        }
      }
    }
  }
  return dx;
}

/** Mean over H·W of each plane: [N,C,H,W] → [N,C,1,1]. */
export function globalAvgPoolForward(x: ArrayLike<number>, shape: readonly [number, number, number, number]): Float64Array {
  const [N, C, H, W] = shape;
  const y = new Float64Array(N * C);
  for (let p = 0; p < N * C; p++) {
    let acc = 0;
    for (let i = 0; i < H * W; i++) acc += x[p * H * W + i]!;
    y[p] = acc / (H * W);
  }
  return y;
}

export function globalAvgPoolBackward(gy: ArrayLike<number>, shape: readonly [number, number, number, number]): Float64Array {
  const [N, C, H, W] = shape;
  const dx = new Float64Array(N * C * H * W);
  for (let i = 0; i < dx.length; i++) dx[i] = gy[Math.floor(i / (H * W))]! / (H * W);
  return dx;
}

// Applies an op spec (the same specs tests/harness/cpu-ops.ts evaluates on the CPU) with the engine, in the
// page. The engine is passed in, not imported (see in-page.ts).

type Engine = typeof import('../../src/index.ts');
type Tensor = InstanceType<Engine['Tensor']>;

export interface OpSpec {
  op: string;
  attrs?: Record<string, unknown>;
}

export function applyOp(E: Engine, spec: OpSpec, inputs: Tensor[]): Tensor {
  const A = (spec.attrs ?? {}) as Record<string, any>;
  const [x, y] = inputs as [Tensor, Tensor];
  switch (spec.op) {
    case 'add': case 'sub': case 'mul': case 'div': case 'pow': case 'maximum': {
      const f = E[spec.op] as (a: Tensor | number, b: Tensor | number) => Tensor;
      if (typeof A.scalar === 'number') return A.scalarLeft ? f(A.scalar, x) : f(x, A.scalar);
      return f(x, y);
    }
    case 'reshape': return E.reshape(x, A.shape);
    case 'permute': return E.permute(x, A.dims);
    case 'transpose': return E.transpose(x, A.dim0, A.dim1);
    case 'expand': return E.expand(x, A.shape);
    case 'slice': {
      if (!A.slices) return E.slice(x, A.dim, A.start, A.end, A.step);
      // PyTorch-style x[a:b:c, ...]: one slice per dim, chained.
      let t = x;
      (A.slices as number[][]).forEach(([start, stop, step], d) => {
        const next = E.slice(t, d, start!, stop, step);
        if (t !== x) t.dispose();
        t = next;
      });
      return t;
    }
    case 'concat': return E.concat(inputs, A.dim);
    case 'sum': return E.sum(x, A.dim, A.keepdim);
    case 'mean': return E.mean(x, A.dim, A.keepdim);
    case 'max': return E.max(x, A.dim, A.keepdim);
    case 'min': return E.min(x, A.dim, A.keepdim);
    case 'argmax': return E.argmax(x, A.dim ?? undefined, A.keepdim);
    case 'softmax': return E.softmax(x, A.dim);
    case 'logSoftmax': return E.logSoftmax(x, A.dim);
    case 'matmul': return E.matmul(x, y);
    default: {
      // A unary op (neg, exp, …, and any new one): the public function of that name on one input.
      const f = (E as unknown as Record<string, unknown>)[spec.op];
      if (typeof f === 'function' && inputs.length === 1 && Object.keys(spec.attrs ?? {}).length === 0) return (f as (t: Tensor) => Tensor)(x);
      throw new Error(`applyOp: unknown op ${spec.op}`);
    }
  }
}

/**
 * Runs one op on the given inputs with gradients: returns the output, its shape, and d(Σ out·g)/d(input)
 * for every input. Disposes everything it made.
 */
export async function forwardBackward(
  E: Engine,
  spec: OpSpec,
  inputs: Array<{ shape: number[]; data: number[] }>,
  g: number[] | null,
): Promise<{ shape: number[]; out: number[]; grads: Array<number[] | null> }> {
  const ts = inputs.map((i) => E.tensor(i.data, i.shape, { requiresGrad: g !== null }));
  const out = applyOp(E, spec, ts);
  const result = { shape: [...out.shape], out: Array.from(await out.data()), grads: [] as Array<number[] | null> };
  if (g) {
    const gt = E.tensor(g, out.shape);
    out.backward(gt);
    gt.dispose();
    for (const t of ts) result.grads.push(t.grad ? Array.from(await t.grad.data()) : null);
  }
  out.dispose();
  for (const t of ts) t.dispose();
  return result;
}

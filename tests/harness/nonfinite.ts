// Runs the cases of tests/fixtures/torch/nonfinite.json on the engine and compares them with PyTorch's values:
// in the test page (tests/gpu/torch-nonfinite.test.ts, as H.runNonfiniteCases) and in Node through Dawn
// (scripts/check-nonfinite-node.mjs). A NaN must come out NaN, an infinity the same infinity, everything else
// within 1e-6 + 1e-5·|want|. Takes the engine as a parameter (see in-page.ts).

type Engine = typeof import('../../src/index.ts');
type Tensor = InstanceType<Engine['Tensor']>;

export type NonfiniteValue = number | 'NaN' | 'Infinity' | '-Infinity';
export interface NonfiniteTensor {
  shape: number[];
  dtype: string;
  data: NonfiniteValue[];
}
export interface NonfiniteCase {
  name: string;
  op: string;
  attrs: { dim?: number; scalar?: number; kernel_size?: number; min?: number; max?: number };
  inputs: NonfiniteTensor[];
  output: NonfiniteTensor;
  grads?: Array<NonfiniteTensor | null>;
}
/** Per case: the mismatches as [where, index, got, want] (empty when the case matches). */
export type NonfiniteReport = Record<string, Array<[string, number, NonfiniteValue, NonfiniteValue]>>;

const decode = (v: NonfiniteValue): number => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);
const encode = (v: number): NonfiniteValue => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v);

function matches(got: NonfiniteValue | undefined, want: NonfiniteValue): boolean {
  if (got === undefined) return false;
  if (typeof want === 'string' || typeof got === 'string') return got === want;
  return Math.abs(got - want) <= 1e-6 + 1e-5 * Math.abs(want);
}

function apply(E: Engine, c: NonfiniteCase, xs: Tensor[]): Tensor {
  const [a, b, c3] = [xs[0]!, xs[1]!, xs[2]!];
  const dim = c.attrs.dim;
  switch (c.op) {
    case 'relu': case 'tanh': case 'sigmoid': case 'exp': case 'log': case 'sqrt': case 'neg': case 'abs':
      return E[c.op](a);
    case 'maximum': case 'minimum': case 'add': case 'sub': case 'mul': case 'div': case 'matmul':
      return E[c.op](a, b);
    case 'maximumScalar': return E.maximum(a, c.attrs.scalar!);
    case 'minimumScalar': return E.minimum(a, c.attrs.scalar!);
    case 'sum': case 'max': case 'min': case 'argmax': case 'argmin':
      return E[c.op](a, dim);
    case 'softmax': return E.softmax(a, dim);
    case 'logSoftmax': return E.logSoftmax(a, dim);
    case 'maxPool2d': return E.maxPool2d(a, c.attrs.kernel_size!);
    case 'crossEntropy': return E.crossEntropy(a, b);
    case 'clamp': return E.clamp(a, c.attrs.min, c.attrs.max);
    case 'where': return E.where(a, b, c3);
    case 'eq': case 'ne': case 'lt': case 'le': case 'gt': case 'ge':
      return E[c.op](a, b);
    default: throw new Error(`nonfinite: unknown op ${c.op}`);
  }
}

export async function runNonfiniteCases(E: Engine, cases: NonfiniteCase[]): Promise<NonfiniteReport> {
  const report: NonfiniteReport = {};
  for (const c of cases) {
    const grad = c.grads !== undefined;
    const xs = c.inputs.map((t) =>
      t.dtype === 'int64' ? E.tensor(t.data.map(decode), t.shape, { dtype: 'int32' }) : E.tensor(t.data.map(decode), t.shape, { requiresGrad: grad }),
    );
    const y = apply(E, c, xs);
    const bad: Array<[string, number, NonfiniteValue, NonfiniteValue]> = [];
    if (y.shape.length !== c.output.shape.length || y.shape.some((d, i) => d !== c.output.shape[i])) {
      bad.push([`shape [${y.shape.join(',')}]`, -1, 0, 0]);
    }
    const out = Array.from(await y.data()).map(encode);
    c.output.data.forEach((w, i) => {
      if (!matches(out[i], w)) bad.push(['output', i, out[i] ?? 'NaN', w]);
    });
    if (grad) {
      const s = y.size === 1 ? y : y.sum();
      s.backward();
      for (let k = 0; k < xs.length; k++) {
        const want = c.grads![k];
        const g = xs[k]!.grad;
        if (!want) continue;
        const got = g ? Array.from(await g.data()).map(encode) : [];
        want.data.forEach((w, i) => {
          if (!matches(got[i], w)) bad.push([`grad ${k}`, i, got[i] ?? 'NaN', w]);
        });
      }
      if (s !== y) s.dispose();
    }
    y.dispose();
    for (const x of xs) x.dispose();
    report[c.name] = bad;
  }
  return report;
}

// PyTorch parity for the primitive ops: every case of tests/fixtures/torch/ops.json (torch 1.13, float32),
// forward and the gradients of Σ out·g.

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAllClose, useGpuPage } from '../harness/gpu.ts';

interface T {
  shape: number[];
  data: number[];
}
interface FixtureCase {
  name: string;
  op: string;
  attrs: Record<string, unknown>;
  inputs: T[];
  output: T;
  g?: T;
  grads?: Array<T | null>;
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/torch/ops.json', import.meta.url), 'utf8')) as { cases: FixtureCase[] };

/** Fixture attrs → the op spec the page understands. */
function toSpec(c: FixtureCase): { op: string; attrs: Record<string, unknown> } {
  const a = { ...c.attrs };
  if (a.scalar_side) a.scalarLeft = a.scalar_side === 'left';
  if (c.op === 'max' && Array.isArray(a.dim)) a.dim = (a.dim as number[])[0];
  if (a.dim === null) delete a.dim;
  return { op: c.op === 'log_softmax' ? 'logSoftmax' : c.op, attrs: a };
}

describe('ops vs PyTorch fixtures', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  for (const c of fixture.cases) {
    it(`${c.name}`, async () => {
      const got = await gpu.run((E, H, spec, ins, g) => H.forwardBackward(E, spec, ins, g), toSpec(c), c.inputs, c.g ? c.g.data : null);
      expect(got.shape).toEqual(c.output.shape);
      expectAllClose(got.out, c.output.data, { atol: 1e-6, rtol: 1e-4, shape: c.output.shape });
      c.grads?.forEach((want, k) => {
        if (want) expectAllClose(got.grads[k]!, want.data, { atol: 1e-6, rtol: 1e-4, shape: want.shape });
      });
    });
  }
});

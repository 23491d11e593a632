import { it } from 'vitest';
import { useGpuPage } from '../harness/gpu.ts';
const gpu = useGpuPage();
it('timing', async () => {
  const log = await gpu.run(async (E) => {
    await E.init();
    const out: string[] = [];
    const a = E.rand([2, 48, 32, 32]); const w = E.rand([48, 1, 3, 3]);
    const time = async (label: string, fn: () => InstanceType<typeof E.Tensor>) => {
      for (let r = 0; r < 2; r++) { const y = fn(); await y.data(); y.dispose(); }
      const t0 = performance.now();
      for (let r = 0; r < 5; r++) { const y = fn(); y.dispose(); }
      await E.sync();
      out.push(`${label}: ${((performance.now() - t0) / 5).toFixed(1)} ms`);
    };
    const geo1 = E.conv2dPasses.geometry(a, w, { padding: 1, groups: 48 });
    const g1 = E.rand([2, 48, 32, 32]);
    for (const v of [1, 2, 3]) {
      E.depthwiseKernels.use.forward = v; E.depthwiseKernels.use.dgrad = v;
      await time(`fwd v${v} s1`, () => E.conv2d(a, w, null, { padding: 1, groups: 48 }));
      await time(`fwd v${v} s2`, () => E.conv2d(a, w, null, { padding: 1, stride: 2, groups: 48 }));
      await time(`dgrad v${v} s1`, () => E.conv2dPasses.inputGrad(g1, w, geo1));
    }
    for (const v of [1, 2]) {
      E.depthwiseKernels.use.wgrad = v;
      await time(`wgrad v${v} s1`, () => E.conv2dPasses.weightGrad(g1, a, geo1));
    }
    E.depthwiseKernels.reset();
    return out;
  });
  console.log(log.join('\n'));
}, 600000);

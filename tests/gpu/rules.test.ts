// The rules switch (issue 20): init({ rules }) picks the kernel rules ('gpu' or 'cpu'), WEBGPU_TENSOR_RULES
// sets them for the whole run (the harness passes it into every page as init({ rules })), and unset they are
// detected from the adapter (SwiftShader here: 'cpu'). onCpuAdapter() is the one place that decides, so a
// chooser asked under each profile gives that profile's choice on this very device.

import { describe, expect, it } from 'vitest';
import { useGpuPage } from '../harness/gpu.ts';

const gpu = useGpuPage();
const fromEnv = process.env.WEBGPU_TENSOR_RULES ?? null;

describe('kernel rules switch', () => {
  it('init() follows WEBGPU_TENSOR_RULES (passed in by the harness), else the adapter', async () => {
    const info = await gpu.run(async (E) => {
      const i = await E.init();
      return { rules: i.rules, adapter: i.adapter };
    });
    const detected = /swiftshader|llvmpipe|lavapipe|warp/i.test(info.adapter) ? 'cpu' : 'gpu';
    expect(info.rules).toBe(fromEnv ?? detected);
  });

  it('init({ rules }) sets the profile that onCpuAdapter() and the choosers read; a bad value is refused', async () => {
    const out = await gpu.run(async (E) => {
      const seen: Record<string, unknown> = {};
      for (const rules of ['gpu', 'cpu'] as const) {
        await E.init({ rules });
        const d = { N: 2, C: 3, H: 8, W: 8, O: 4, Cg: 3, Og: 4, kH: 3, kW: 3, sH: 1, sW: 1, pH: 1, pW: 1, dH: 1, dW: 1, groups: 1, OH: 8, OW: 8 };
        seen[rules] = {
          info: E.engineInfo().rules,
          onCpu: E.internal.onCpuAdapter(),
          wgrad: E.internal.conv2dVersions.wgrad.choose({ d }),
        };
      }
      let refused = '';
      try {
        await E.init({ rules: 'fast' as never });
      } catch (e) {
        refused = `${(e as Error).name}: ${(e as Error).message}`;
      }
      await E.init();
      return { seen, refused };
    });
    expect(out.seen.gpu).toMatchObject({ info: 'gpu', onCpu: false });
    expect(out.seen.cpu).toMatchObject({ info: 'cpu', onCpu: true, wgrad: 'v1' });
    expect(out.refused).toBe(`TypeError: init: rules must be 'gpu' or 'cpu', got "fast"`);
  });
});

// Probe (issue 21): relu of 1M elements under the unary pass's versions: v1 (unary.wgsl, 4 consecutive elements per
// thread) and v2 (unary_vec4.wgsl, a vec4 per thread), each run timed with sync(), interleaved, median.
// `node bench/probe/run-probe.mjs unary REPS`.
import * as E from '../../src/index.ts';
import { kernelVersions } from '../../src/engine/runtime/kernel-registry.ts';

export async function unaryProbe(reps = 15): Promise<Record<string, string>> {
  await E.init();
  const n = 1 << 20;
  const x = E.tensor(Float32Array.from({ length: n }, (_, i) => Math.sin(i)), [n]);
  const times: Record<string, number[]> = { v1: [], v2: [] };
  for (let r = 0; r < reps + 1; r++) {
    for (const v of ['v1', 'v2']) {
      const y = kernelVersions.using({ unary: v }, () => E.relu(x));
      const t0 = performance.now();
      await E.sync();
      if (r > 0) times[v]!.push(performance.now() - t0);
      y.dispose();
    }
  }
  const out: Record<string, string> = {};
  for (const [name, t] of Object.entries(times)) out[`relu 1M ${name}`] = `med ${[...t].sort((p, q) => p - q)[t.length >> 1]!.toFixed(2)} ms (sync)`;
  x.dispose();
  return out;
}

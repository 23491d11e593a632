// Probe: time engine expressions given on the command line, interleaved, wall time of one run and its read-back,
// median. `node bench/probe/run-probe.mjs expr REPS 0 '{"name": "E.relu(x)"}'`: each expression is a JavaScript
// body over `E` (the engine) and `x`, `y` (inputs built by the optional "setup" entry, e.g.
// "({ x: E.randn([4,32,16,16]) })"); it returns the tensor to read back.
import * as E from '../../src/index.ts';
import type { Tensor } from '../../src/engine/tensor.ts';

export async function exprProbe(spec: Record<string, string>, reps = 15): Promise<Record<string, string>> {
  await E.init();
  const { setup, ...exprs } = spec;
  const inputs = (setup ? new Function('E', `return ${setup}`)(E) : {}) as Record<string, Tensor>;
  const fns = Object.fromEntries(
    Object.entries(exprs).map(([k, code]) => [k, new Function('E', ...Object.keys(inputs), `return ${code}`) as (...a: unknown[]) => Tensor]),
  );
  const run = (f: (...a: unknown[]) => Tensor): Tensor => f(E, ...Object.values(inputs));
  const times: Record<string, number[]> = {};
  for (const [k, f] of Object.entries(fns)) {
    await run(f).data();
    times[k] = [];
  }
  for (let r = 0; r < reps; r++) {
    for (const [k, f] of Object.entries(fns)) {
      const t0 = performance.now();
      const t = run(f);
      await t.data();
      times[k]!.push(performance.now() - t0);
      t.dispose();
    }
  }
  for (const t of Object.values(inputs)) t.dispose();
  return Object.fromEntries(Object.entries(times).map(([k, t]) => [k, `med ${[...t].sort((a, b) => a - b)[t.length >> 1]!.toFixed(2)} ms`]));
}

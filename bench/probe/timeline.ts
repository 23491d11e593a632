// Probe: a timeline of one of our round trips (relu on 64 elements → data()), averaged over many.
import * as E from '../../src/index.ts';

export async function timeline(reps = 200, n = 64, which = 'ours'): Promise<string[]> {
  await E.init();
  const device = E.engineDevice() as GPUDevice & Record<string, unknown>;
  let t0 = 0;
  let log: Array<[string, number]> = [];
  const mark = (what: string): void => {
    log.push([what, performance.now() - t0]);
  };
  const wrap = (obj: Record<string, unknown>, name: string, asyncToo: boolean): void => {
    const orig = obj[name] as (...a: unknown[]) => unknown;
    obj[name] = function (this: unknown, ...a: unknown[]) {
      mark(`${name} call`);
      const r = orig.apply(this, a);
      if (asyncToo && r instanceof Promise) void r.then(() => mark(`${name} resolved`), () => mark(`${name} rejected`));
      return r;
    };
  };
  wrap(device, 'pushErrorScope', false);
  wrap(device, 'popErrorScope', true);
  wrap(device.queue as unknown as Record<string, unknown>, 'submit', false);
  wrap(device.queue as unknown as Record<string, unknown>, 'writeBuffer', false);
  wrap(device.queue as unknown as Record<string, unknown>, 'onSubmittedWorkDone', true);
  wrap(GPUBuffer.prototype as unknown as Record<string, unknown>, 'mapAsync', true);
  wrap(GPUBuffer.prototype as unknown as Record<string, unknown>, 'unmap', false);
  const x = E.tensor(Array.from({ length: n }, (_, i) => i - 3));
  const WGSL = `@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>) { if (g.x < ${n}u) { y[g.x] = max(f32(g.x) - 3.0, 0.0); } }`;
  const module = device.createShaderModule({ code: WGSL });
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const out = device.createBuffer({ size: 256, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const bg = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: out } }] });
  const staging = device.createBuffer({ size: 256, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const bare = async (): Promise<void> => {
    const enc = device.createCommandEncoder();
    const p = enc.beginComputePass();
    p.setPipeline(pipeline);
    p.setBindGroup(0, bg);
    p.dispatchWorkgroups(1);
    p.end();
    enc.copyBufferToBuffer(out, 0, staging, 0, n * 4);
    const cb = enc.finish();
    mark('finished');
    device.queue.submit([cb]);
    mark('submitted');
    await staging.mapAsync(GPUMapMode.READ, 0, n * 4);
    staging.getMappedRange(0, n * 4).slice(0);
    staging.unmap();
  };
  const runs: Array<Array<[string, number]>> = [];
  for (let i = 0; i < reps + 10; i++) {
    log = [];
    t0 = performance.now();
    mark('start');
    if (which === 'bare') {
      await bare();
      mark('done');
    } else {
      const y = E.relu(x);
      mark('relu recorded');
      const p = y.data();
      mark('data() returned promise');
      await p;
      mark('data() resolved');
      y.dispose();
    }
    await new Promise((r) => setTimeout(r, 2)); // let stray callbacks land in this run's log
    if (i >= 10) runs.push(log);
  }
  // Average time of each (event, occurrence index) across runs.
  const acc = new Map<string, number[]>();
  for (const r of runs) {
    const seen = new Map<string, number>();
    for (const [what, t] of r) {
      const k = seen.get(what) ?? 0;
      seen.set(what, k + 1);
      const key = `${what} #${k}`;
      if (!acc.has(key)) acc.set(key, []);
      acc.get(key)!.push(t);
    }
  }
  const med = (a: number[]): number => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)]!;
  const mean = (a: number[]): number => a.reduce((p, q) => p + q, 0) / a.length;
  return [...acc.entries()]
    .map(([k, v]) => ({ k, med: med(v), mean: mean(v), count: v.length }))
    .sort((a, b) => a.mean - b.mean)
    .map((e) => `${e.k.padEnd(36)} med ${e.med.toFixed(2)}  mean ${e.mean.toFixed(2)}  (${e.count})`);
}

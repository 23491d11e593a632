// Probe (issue 21): where a small read-back round trip spends its time. Ours (relu of 64 elements → data()) against
// a bare round trip written directly on the engine's GPUDevice (dispatch, copy, submit, mapAsync) with and without
// what ours adds (error scopes, onSubmittedWorkDone, a fresh staging buffer, a split submit, poll "nudges"), and
// jax-js's `await x.data()`, interleaved one repetition each. `node bench/probe/run-probe.mjs probe ROUNDS REPS
// [variant,variant] [LOOP]` (LOOP lengthens the bare kernel). Findings: see bench/probe/README.md.
import * as jax from '@jax-js/jax';
import * as E from '../../src/index.ts';

const N = 64;
const WGSL = `@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  if (g.x < ${N}u) { var a = f32(g.x); for (var i = 0u; i < LOOPu; i++) { a = a * 0.999 + 0.5; } y[g.x] = a; }
}`;

type Variant = () => Promise<void>;
const channel = new MessageChannel();
const waiting: Array<() => void> = [];
channel.port1.onmessage = () => waiting.shift()?.();
function yieldTask(): Promise<void> {
  return new Promise((r) => { waiting.push(r); channel.port2.postMessage(0); });
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)]!;
}

export async function probe(rounds = 6, reps = 20, loop = 0): Promise<Record<string, unknown>> {
  await E.init();
  const device = E.engineDevice();
  const x = E.tensor(Array.from({ length: N }, (_, i) => i - 3));
  const module = device.createShaderModule({ code: WGSL.replace('LOOP', String(loop)) });
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const out = device.createBuffer({ size: 256, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const bg = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: out } }] });
  const pooled = device.createBuffer({ size: 256, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const uniforms = device.createBuffer({ size: 256, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const words = new Uint32Array(64);
  const filters: GPUErrorFilter[] = ['validation', 'out-of-memory', 'internal'];

  interface BareOptions {
    fresh?: boolean;
    scopes?: 'none' | 'after' | 'concurrent';
    done?: boolean;
    split?: boolean;
    upload?: boolean;
    nudge?: 'submit' | 'none-yield' | 'timeout' | 'timeout-done' | 'once-yield' | 'done-at' | 'done-timer';
    /** 'done-at': an onSubmittedWorkDone this many ms after mapAsync, then one each ms until the map resolves (a yield loop). */
    at?: number;
    /** Yield (MessageChannel) for this many ms after the submit before mapAsync. */
    delay?: number;
  }
  const bare = (opts: BareOptions): Variant => async () => {
    if (opts.scopes && opts.scopes !== 'none') for (const f of filters) device.pushErrorScope(f);
    const staging = opts.fresh ? device.createBuffer({ size: 256, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }) : pooled;
    if (opts.upload) device.queue.writeBuffer(uniforms, 0, words);
    let enc = device.createCommandEncoder();
    const p = enc.beginComputePass();
    p.setPipeline(pipeline);
    p.setBindGroup(0, bg);
    p.dispatchWorkgroups(1);
    p.end();
    if (opts.split) {
      device.queue.submit([enc.finish()]);
      enc = device.createCommandEncoder();
    }
    enc.copyBufferToBuffer(out, 0, staging, 0, N * 4);
    device.queue.submit([enc.finish()]);
    if (opts.done) void device.queue.onSubmittedWorkDone();
    let pops: Promise<unknown> | null = null;
    if (opts.scopes && opts.scopes !== 'none') pops = Promise.all(filters.map(() => device.popErrorScope()));
    if (opts.delay) {
      const t0 = performance.now();
      while (performance.now() - t0 < opts.delay) await yieldTask();
    }
    const map = staging.mapAsync(GPUMapMode.READ, 0, N * 4);
    if (opts.nudge === 'timeout' || opts.nudge === 'timeout-done') {
      let settled = false;
      void map.finally(() => { settled = true; });
      const tick = (): void => {
        if (settled) return;
        if (opts.nudge === 'timeout') device.queue.submit([]); else void device.queue.onSubmittedWorkDone();
        setTimeout(tick, 0);
      };
      setTimeout(tick, 0);
    } else if (opts.nudge === 'done-timer') {
      // Up to 3 onSubmittedWorkDone, from setTimeout(·, 1) (no spinning; under the 5 nested timers Chrome clamps).
      let settled = false;
      void map.finally(() => { settled = true; });
      let left = 3;
      const tick = (): void => {
        if (settled || left-- <= 0) return;
        void device.queue.onSubmittedWorkDone();
        setTimeout(tick, 1);
      };
      setTimeout(tick, 1);
    } else if (opts.nudge === 'done-at') {
      let settled = false;
      void map.finally(() => { settled = true; });
      const t0 = performance.now();
      let next = opts.at ?? 1;
      while (!settled) {
        await yieldTask();
        if (!settled && performance.now() - t0 >= next) {
          void device.queue.onSubmittedWorkDone();
          next += 1;
        }
      }
    } else if (opts.nudge === 'once-yield') {
      await yieldTask();
      device.queue.submit([]);
    } else if (opts.nudge) {
      let settled = false;
      void map.finally(() => { settled = true; });
      while (!settled) {
        await yieldTask();
        if (opts.nudge === 'submit' && !settled) device.queue.submit([]);
      }
    }
    if (opts.scopes === 'concurrent') await Promise.all([map, pops]);
    else await map;
    const bytes = staging.getMappedRange(0, N * 4).slice(0);
    if (bytes.byteLength !== N * 4) throw new Error('short');
    staging.unmap();
    if (opts.fresh) staging.destroy();
    if (opts.scopes === 'after') await pops;
  };

  const ours: Variant = async () => {
    const y = E.relu(x);
    await y.data();
    y.dispose();
  };
  const oursRead: Variant = async () => {
    await x.data();
  };

  // A large read (4 MiB, as relu 1M reads back): ours (x.data() of 1M elements) against a bare copy + map + slice.
  const M = 1 << 20;
  const big = E.tensor(new Float32Array(M).fill(1));
  const bigSrc = device.createBuffer({ size: M * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const bigStaging = device.createBuffer({ size: M * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const bareBig: Variant = async () => {
    const enc = device.createCommandEncoder();
    enc.copyBufferToBuffer(bigSrc, 0, bigStaging, 0, M * 4);
    device.queue.submit([enc.finish()]);
    await bigStaging.mapAsync(GPUMapMode.READ, 0, M * 4);
    const bytes = bigStaging.getMappedRange(0, M * 4).slice(0);
    if (bytes.byteLength !== M * 4) throw new Error('short');
    bigStaging.unmap();
  };
  const oursBig: Variant = async () => {
    await big.data();
  };
  await jax.init('webgpu');
  jax.defaultDevice('webgpu');
  const jx = jax.numpy.array(new Float32Array(N).map((_, i) => i - 3));
  const jrelu = jax.jit((a: jax.Array) => jax.nn.relu(a));
  const jbig = jax.numpy.array(new Float32Array(M).fill(1));
  const jaxBig: Variant = async () => {
    await jbig.ref.data();
  };
  const jaxV: Variant = async () => {
    await jrelu(jx.ref).data();
  };

  const variants: Record<string, Variant> = {
    ours,
    'ours x.data() only': oursRead,
    'bare pooled': bare({}),
    'bare fresh staging': bare({ fresh: true }),
    'bare split submit fresh (jax-like)': bare({ fresh: true, split: true }),
    'bare +onSubmittedWorkDone': bare({ done: true }),
    'bare +writeBuffer': bare({ upload: true }),
    'bare +writeBuffer +scopes +done': bare({ upload: true, scopes: 'after', done: true }),
    'bare +scopes awaited after': bare({ scopes: 'after' }),
    'bare +scopes concurrent': bare({ scopes: 'concurrent' }),
    'bare +scopes after +done': bare({ scopes: 'after', done: true }),
    'bare yield-only': bare({ nudge: 'none-yield' }),
    'bare nudge submit': bare({ nudge: 'submit' }),
    'bare delay 0.3': bare({ delay: 0.3 }),
    'bare done-at 0.3': bare({ nudge: 'done-at', at: 0.3 }),
    'bare done-timer': bare({ nudge: 'done-timer' }),
    'bare done-at 0.8': bare({ nudge: 'done-at', at: 0.8 }),
    'bare delay 0.7': bare({ delay: 0.7 }),
    'bare delay 1.5': bare({ delay: 1.5 }),
    'bare nudge timeout': bare({ nudge: 'timeout' }),
    'bare nudge timeout-done': bare({ nudge: 'timeout-done' }),
    'bare nudge once-yield': bare({ nudge: 'once-yield' }),
    'jax-js': jaxV,
    'ours 4 MiB x.data()': oursBig,
    'bare 4 MiB copy+map+slice': bareBig,
    'jax-js 4 MiB x.data()': jaxBig,
  };
  const times: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(variants)) {
    times[k] = [];
    for (let i = 0; i < 5; i++) await v();
  }
  const only = (globalThis as { __only?: string[] }).__only;
  const chosen = Object.entries(variants).filter(([k]) => !only || only.includes(k));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < reps; i++) {
      for (const [k, v] of chosen) {
        const t0 = performance.now();
        await v();
        times[k]!.push(performance.now() - t0);
      }
    }
  }
  const result: Record<string, unknown> = {};
  for (const [k, t] of Object.entries(times)) {
    if (t.length === 0) continue;
    const sorted = [...t].sort((a, b) => a - b);
    const q = (f: number): number => +sorted[Math.floor(f * (t.length - 1))]!.toFixed(2);
    const mean = +(t.reduce((a, b) => a + b, 0) / t.length).toFixed(2);
    result[k] = { p10: q(0.1), p25: q(0.25), med: q(0.5), p75: q(0.75), p90: q(0.9), mean };
  }
  return result;
}

// Bind groups are cached (src/engine/runtime/bind-groups.ts): a steady training step creates no bind group and no GPU
// buffer, and its numbers are bit-identical to the uncached path's (every dispatch creating its own).

import { beforeAll, describe, expect, it } from 'vitest';
import { useGpuPage } from '../harness/gpu.ts';

describe('bind-group cache', () => {
  const gpu = useGpuPage();
  beforeAll(async () => {
    await gpu.run(async (E) => {
      await E.init();
    });
  });

  it('a steady CNN training step creates 0 bind groups and 0 buffers, with the losses of the uncached path bit for bit', async () => {
    const out = await gpu.run(async (E) => {
      const { nn, optim } = E;
      const STEPS = 14;
      const TRIM_AFTER = 7; // emptyCache() destroys pooled buffers: the entries binding them must go
      const run = async (caching: boolean) => {
        const previous = E.internal.setBindGroupCaching(caching);
        E.manualSeed(11);
        const model = new nn.Sequential(
          new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
          new nn.Conv2d(4, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
          new nn.Flatten(), new nn.Linear(32, 16), new nn.ReLU(), new nn.Linear(16, 10),
        );
        const opt = new optim.Adam(model.parameters(), { lr: 1e-2 });
        const x = E.randn([4, 1, 8, 8], { seed: 3 });
        const y = E.tensor([3, 1, 4, 1], [4], { dtype: 'int32' });
        const losses: number[] = [];
        let cachedAfterTrimStep = -1;
        const recordMs: number[] = []; // recording the step (JS + WebGPU calls), not running it
        const perStep: Array<{ bindGroups: number; buffers: number; dispatches: number; cached: number }> = [];
        for (let step = 0; step < STEPS; step++) {
          const before = E.memoryStats();
          const t0 = performance.now();
          const loss = E.tidy(() => {
            opt.zeroGrad();
            const l = E.crossEntropy(model.forward(x), y);
            l.backward();
            opt.step();
            return l;
          });
          recordMs.push(performance.now() - t0);
          losses.push(await loss.item());
          loss.dispose();
          const after = E.memoryStats();
          perStep.push({
            bindGroups: after.bindGroups - before.bindGroups, buffers: after.created - before.created,
            dispatches: after.dispatches - before.dispatches, cached: after.cachedBindGroups,
          });
          if (step === TRIM_AFTER) {
            E.emptyCache();
            cachedAfterTrimStep = E.memoryStats().cachedBindGroups;
          }
        }
        const cachedAfterTrim = cachedAfterTrimStep;
        opt.dispose();
        model.dispose();
        x.dispose();
        y.dispose();
        E.internal.setBindGroupCaching(previous);
        const steady = recordMs.slice(4, 8).sort((a, b) => a - b);
        return { losses, perStep, cachedAfterTrim, recordMs: (steady[1]! + steady[2]!) / 2 };
      };
      const uncached = await run(false);
      const cached = await run(true);
      return { uncached, cached, trimAfter: TRIM_AFTER };
    });
    console.log(`[bind groups] recording a steady step: ${out.uncached.recordMs.toFixed(2)} ms uncached, ${out.cached.recordMs.toFixed(2)} ms cached`);
    console.log(`[bind groups] per step uncached ${JSON.stringify(out.uncached.perStep)}; cached ${JSON.stringify(out.cached.perStep)}`);
    expect(out.cached.losses).toEqual(out.uncached.losses); // bit for bit (toEqual on numbers is Object.is)
    expect(out.cached.losses.every(Number.isFinite)).toBe(true);
    expect(out.cached.losses.at(-1)!).toBeLessThan(out.cached.losses[0]!);
    const { perStep } = out.cached;
    // Uncached: one bind group per dispatch.
    for (const s of out.uncached.perStep) expect(s.bindGroups).toBe(s.dispatches);
    // Cached, steady (after a few steps of warm-up, and again after the trim's): no bind group, no buffer. The
    // warm-up: which buffers the gradients get settles over the first steps (see buffer-pool.ts).
    for (const step of [5, 6, 7, 12, 13]) {
      expect({ step, bindGroups: perStep[step]!.bindGroups, buffers: perStep[step]!.buffers }).toEqual({ step, bindGroups: 0, buffers: 0 });
    }
    expect(perStep[2]!.dispatches).toBeGreaterThan(20);
    // The trim destroyed pooled buffers, and the cache dropped the entries that bound them.
    expect(perStep[out.trimAfter + 1]!.bindGroups).toBeGreaterThan(0);
    expect(perStep[out.trimAfter + 1]!.buffers).toBeGreaterThan(0);
    expect(out.cached.cachedAfterTrim).toBeLessThan(perStep[out.trimAfter]!.cached);
  });

  it('the cache stays bounded: least recently used entries go first, and numbers stay right', async () => {
    const out = await gpu.run(async (E) => {
      const MAX = E.internal.MAX_CACHED_BIND_GROUPS;
      const n = Math.ceil(Math.sqrt(MAX)) + 2; // n·(n−1) distinct (source, destination) pairs > MAX
      const ts = Array.from({ length: n }, (_, i) => E.tensor([i, i, i, i]));
      const created = () => E.memoryStats().bindGroups;
      await E.sync(); // the next dispatch's uniforms go to the arena's first chunk (part of the key), as after the loop's sync
      E.addInto(ts[0]!, ts[1]!, 0); // the least recently used entry once the loop below has run
      await E.sync();
      const cHit = created();
      E.addInto(ts[0]!, ts[1]!, 0); // before the loop: a hit
      const hitBefore = created() - cHit;
      await E.sync();
      let distinct = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          if (i === j || (i === 0 && j === 1)) continue;
          E.addInto(ts[i]!, ts[j]!, 0);
          distinct++;
        }
      }
      await E.sync();
      const cached = E.memoryStats().cachedBindGroups;
      const c0 = created();
      E.addInto(ts[0]!, ts[1]!, 1); // evicted: created again; ts[0] becomes [1, 1, 1, 1]
      const evictedMiss = created() - c0;
      await E.sync();
      const c1 = created();
      E.addInto(ts[0]!, ts[1]!, 0); // just used (same chunk): a hit
      const recentHit = created() - c1;
      const values = [...(await ts[0]!.data())];
      for (const t of ts) t.dispose();
      return { MAX, distinct, cached, hitBefore, recentHit, evictedMiss, values };
    });
    expect(out.distinct).toBeGreaterThan(out.MAX);
    expect(out.cached).toBeLessThanOrEqual(out.MAX);
    expect(out.hitBefore).toBe(0);
    expect(out.recentHit).toBe(0);
    expect(out.evictedMiss).toBe(1);
    expect(out.values).toEqual([1, 1, 1, 1]);
  });
});

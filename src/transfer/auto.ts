// The auto strategy: `fit({ strategy: 'auto', budget })` measures instead of guessing. It tries every candidate
// (AUTO_SETTINGS.strategies × AUTO_SETTINGS.lrs, auto-settings.ts) on a stratified train / validation split by
// successive halving within the user's sample budget, keeps each candidate's validation curve, and lets the
// winner train on. Rule v1 (advisor.ts) is computed beside it and reported as the prior ordering.
//
// Budget: `budget` counts training samples (one forward and backward each) across the whole call. The search
// gets searchShare of it, split evenly over the rungs: rung r trains each of its n_r survivors for
// S / (R · n_r) more samples (at least minRungSamples), resuming where the candidate stopped; after the rung
// every survivor's validation accuracy is measured on the rung subset (at most rungValidation images of the
// validation split, stratified, the same for every candidate and rung: the halving needs ranks only) and the
// best ceil(n_r / eta) go on, until one is left. The winner then trains on for the rest of the budget, its
// curve on the rung subset (with fullCheck, its last point on the whole validation split: what evaluate gives).
// A rung is one "epoch" of the candidate's recipe (recipes.ts): fine-tune-all trains its head alone in rung 0 and every group from rung 1; gradual unfreezing
// unfreezes one more group each rung. Validation passes are not counted in the budget; `cost` reports them,
// with the wall seconds of each phase (cost.phases: scores, prior, features, the search's training and
// validation, the winner's; they sum to cost.seconds).
//
// Candidates:
//   feature-extraction   shares the frozen model's input to its classifier Linear, computed on the GPU from
//                        the images there: for the rung validation subset always, for the training images
//                        once a rung covers them (before that each batch runs the frozen part); each rate's
//                        head trains on it (the classifier Linear of its own copy of the model)
//   truncate-fine-tune   cut at the trunk point LogME (scores.ts) ranks best on up to scoreSamples training
//                        images (a stratified subset; rule v1's probes score the same images)
//   the others           as fit runs them (strategies.ts), each on its own copy of the model, with its own
//                        feature cache (cache.ts) for a frozen rung that covers the training set at least
//                        once (a cache fills every sample; below that the frozen part just runs)
// Copies are made from the model's architecture (fit-model.ts buildArchitecture) and its state dict; a model
// fit cannot rebuild needs `makeModel`. Ties in validation accuracy go to the cheaper candidate (the order of
// AUTO_SETTINGS.strategies, then the lower rate).

import { EngineError, checkOptions, indexSelect, keep, noGrad, randperm, sync, tensor, tidy, type Tensor } from '../engine/internal.ts';
import { Linear, Module, crossEntropy } from '../nn/index.ts';
import { AdamW } from '../nn/optim-api.ts';
import type { LabeledImages } from '../data/types.ts';
import { recommendStrategy, type Strategy, type StrategyAdvice } from './advisor.ts';
import { AUTO_SETTINGS } from './auto-settings.ts';
import { FeatureCache } from './cache.ts';
import { cutPoints, forwardTo } from './cut.ts';
import { featuresOfSet, flatRows, stratifiedSubset } from './auto-data.ts';
import { evaluate } from './evaluate.ts';
import { architectureName, buildArchitecture, headOutputs, headPath } from './fit-model.ts';
import { groupParams, type LayerGroup } from './layer-groups.ts';
import { applyPlan } from './recipes.ts';
import { rankCutPoints } from './scores.ts';
import { hostSample, measureSimilarity } from './similarity.ts';
import { planStrategy, type StrategyPlan } from './strategies.ts';
import type { EpochPlan } from './recipes.ts';

/** What autoFit reads of fit's options (fit.ts's FitOptions; declared here so that the two files import one way). */
export interface AutoFitInput {
  model?: Module;
  trunk?: Module;
  budget?: number;
  auto?: AutoOptions;
  onProgress?: (p: { epoch: number; epochs: number; batch: number; batches: number }) => void;
  signal?: AbortSignal;
}

/** What autoFit returns: fit.ts's FitResult with `auto`. */
export interface AutoFitResult {
  model: Module;
  classes: readonly string[];
  history: Array<{ epoch: number; loss: number; accuracy: number; valAccuracy?: number; seconds: number; cachedAt: string | null; plan: EpochPlan }>;
  strategy: { name: Strategy; recipe: string; lrs: [number, number]; truncateAt?: string };
  stopped: 'completed' | 'early-stopping' | 'aborted';
  bestEpoch: number | null;
  seconds: number;
  auto: AutoReport;
}

export interface AutoOptions {
  /** Candidate strategies (default AUTO_SETTINGS.strategies). */
  strategies?: readonly Strategy[];
  /** Head learning rates tried (default AUTO_SETTINGS.lrs). */
  lrs?: readonly number[];
  eta?: number;
  searchShare?: number;
  /** The most validation images a rung's pass scores, a stratified subset (default AUTO_SETTINGS.rungValidation). */
  rungValidation?: number;
  /** Score the winner's last point on the whole validation split, not the rung subset (default AUTO_SETTINGS.fullCheck). */
  fullCheck?: boolean;
  /** Compute rule v1's advice (measureSimilarity on up to scoreSamples images) as the prior (default true). */
  prior?: boolean;
  /** Makes a fresh copy of the model, for models fit cannot rebuild from their architecture. */
  makeModel?: () => Module;
}

export interface CurvePoint {
  /** Training samples this candidate has seen. */
  samples: number;
  valAccuracy: number;
}

export interface CandidateReport {
  name: string;
  strategy: Strategy;
  lr: number;
  truncateAt?: string;
  curve: CurvePoint[];
  /** The rung it reached (0: dropped after the first). */
  rung: number;
  final: number;
  samples: number;
  seconds: number;
}

export interface AutoReport {
  /** Best first: the rung reached, then the last validation accuracy. */
  ranking: CandidateReport[];
  winner: CandidateReport;
  /** Rule v1 (advisor.ts) on the same data, and where its strategy ranked among auto's candidates (best rate). */
  prior: { advice: StrategyAdvice; rank: number } | null;
  /** LogME of each trunk cut point (the truncate candidate's cut is the best). */
  cutScores: Array<{ at: string; score: number }> | null;
  /** Each rung: its candidates, the samples each trained, and the wall seconds of its training and of its validation passes. */
  rungs: Array<{ candidates: number; samplesEach: number; trainSeconds: number; validationSeconds: number }>;
  cost: AutoCost;
  settingsVersion: number;
}

/**
 * Where auto's wall time went, in seconds; the phases are consecutive and sum to `seconds` (each ends after the
 * GPU work it queued has finished, so a phase is charged for its own kernels).
 */
export interface AutoPhases {
  /** Option checks, the copy of the state dict. */
  setup: number;
  /** LogME of the cut points (the truncate candidate's cut), with the host copy of the scored sample. */
  scores: number;
  /** Rule v1's similarity probes. */
  prior: number;
  /** The feature-extraction candidates' features of the rung validation subset (their training images' are built
   * by the first rung that covers them, and charged to its training). */
  features: number;
  /** Building the candidates (model copies, optimizers, caches). */
  candidates: number;
  /** The search's training, all rungs (per rung: rungs[r].trainSeconds). */
  searchTraining: number;
  /** The search's validation passes, all rungs (per rung: rungs[r].validationSeconds). */
  searchValidation: number;
  /** The winner's training after the search. */
  winnerTraining: number;
  /** The winner's validation passes after the search (its curve; with fullCheck, the whole-split check). */
  winnerValidation: number;
  /** The ranking, the report, freeing the other candidates. */
  finish: number;
}

export interface AutoCost {
  budget: number;
  searchSamples: number;
  winnerSamples: number;
  /** Validation images scored, over every pass (not counted in the budget). */
  validationSamples: number;
  seconds: number;
  /** Everything before the winner trains on: setup, scores, prior, features, candidates and the search. */
  searchSeconds: number;
  phases: AutoPhases;
}

/** One candidate's model, optimizer and state, trained a rung at a time. */
interface Trial {
  report: CandidateReport;
  model: Module;
  trainRung(samples: number): Promise<void>;
  /** Validation accuracy on the rung subset (ctx.rungValidation), or on the whole split with `full`. */
  validate(full?: boolean): Promise<number>;
  dispose(keepModel: boolean): void;
}

interface Ctx {
  o: AutoFitInput;
  train: LabeledImages;
  validation: LabeledImages;
  classes: readonly string[];
  batchSize: number;
  seed: number;
  copy: () => Module;
  prepare: (model: Module, plan: StrategyPlan) => { model: Module; groups: LayerGroup[] };
  /**
   * The feature-extraction candidates' frozen features (the classifier Linear's input): of every training image
   * once a rung covers the training set (null before: each batch runs the frozen part), and of the rung
   * validation subset.
   */
  shared: { train: Tensor | null; validation: Tensor } | null;
  /** The stratified subset of `validation` that the rungs score (AUTO_SETTINGS.rungValidation). */
  rungValidation: LabeledImages;
  headCut: string | null;
  /** The whole call's sample budget. */
  budget: number;
}

/** A stream of shuffled training indices across passes (seeded). */
function indexStream(n: number, seed: number): (count: number) => number[] {
  let pass = 0;
  let order: Int32Array = new Int32Array(0);
  let at = 0;
  return (count) => {
    const out: number[] = [];
    while (out.length < count) {
      if (at >= order.length) {
        order = randperm(n, { seed: seed + 7919 * pass++ });
        at = 0;
      }
      out.push(order[at++]!);
    }
    return out;
  };
}

async function firstBatch(set: LabeledImages, n: number): Promise<Tensor> {
  for await (const batch of set.batches({ batchSize: n })) {
    batch.y.dispose();
    return batch.x;
  }
  throw new EngineError('fit: the dataset gave no batch');
}

function step(logits: Tensor, labels: Int32Array, idx: number[], optimizer: AdamW): void {
  tidy(() => {
    const y = tensor(Int32Array.from(idx, (i) => labels[i]!), [idx.length], { dtype: 'int32' });
    crossEntropy(logits, y).backward();
    optimizer.step();
    optimizer.zeroGrad();
  });
}

function modelTrial(ctx: Ctx, report: CandidateReport, plan: StrategyPlan): Trial {
  const { model, groups } = ctx.prepare(ctx.copy(), plan);
  const optimizer = new AdamW(groupParams(model, groups, groups.map(() => report.lr)), { lr: report.lr, weightDecay: 0 });
  const { train } = ctx;
  const input = train.input;
  // The cache fills every training sample at each new boundary: worth it only for a rung that passes over the
  // training set at least once; otherwise the frozen part runs on each batch (the same numbers, less work).
  let cache: FeatureCache | null = null;
  const next = indexStream(train.size, ctx.seed + report.name.length * 101 + Math.round(report.lr * 1e6));
  let rung = 0;
  return {
    report, model,
    async trainRung(samples) {
      const t0 = performance.now();
      applyPlan(plan.recipe(rung++, groups.length), { model, optimizer, groups });
      model.train();
      const cached = samples >= train.size ? (cache ??= new FeatureCache(model, {
        count: train.size, shape: [input.channels, input.size[0], input.size[1]], load: async (idx) => firstBatch(train.subset(idx), idx.length),
      })) : null;
      if (cached) await cached.prepare();
      for (let done = 0; done < samples; done += ctx.batchSize) {
        const idx = next(Math.min(ctx.batchSize, samples - done));
        const x = cached && cached.boundary() !== null ? null : await firstBatch(train.subset(idx), idx.length);
        const logits = x ? (model.forward(x) as Tensor) : cached!.forward(idx);
        try {
          step(logits, train.labels, idx, optimizer);
        } finally {
          logits.dispose();
          x?.dispose();
        }
      }
      report.samples += samples;
      report.seconds += (performance.now() - t0) / 1000;
    },
    async validate(full) {
      model.eval();
      return (await evaluate(model, full ? ctx.validation : ctx.rungValidation, { batchSize: ctx.batchSize, classes: ctx.classes })).accuracy;
    },
    dispose(keepModel) {
      cache?.dispose();
      optimizer.dispose();
      if (!keepModel) model.dispose();
    },
  };
}

/** Feature extraction on the shared feature matrix: only the classifier Linear of its own copy trains. */
function headTrial(ctx: Ctx, report: CandidateReport, plan: StrategyPlan): Trial {
  const { model } = ctx.prepare(ctx.copy(), plan);
  // Eval mode throughout: the frozen part's BatchNorms use their running statistics (as the shared features do);
  // only the classifier Linear trains, and it has no mode.
  model.eval();
  const head = model.getSubmodule(headPath(model)!) as Linear;
  const optimizer = new AdamW([{ params: head.parameters(), lr: report.lr }], { lr: report.lr, weightDecay: 0 });
  const shared = ctx.shared!;
  const next = indexStream(ctx.train.size, ctx.seed + 17 + Math.round(report.lr * 1e6));
  return {
    report, model,
    async trainRung(samples) {
      const t0 = performance.now();
      // Every training image's features once a rung covers the training set (as the feature caches, cache.ts);
      // below that, each batch runs the frozen part (the same numbers, less work). Shared by the rates' heads.
      if (!shared.train && samples >= ctx.train.size) shared.train = keep(await featuresOfSet(model, ctx.train, ctx.headCut!));
      for (let done = 0; done < samples; done += ctx.batchSize) {
        const idx = next(Math.min(ctx.batchSize, samples - done));
        let logits: Tensor;
        if (shared.train) {
          const rows = tensor(Int32Array.from(idx), [idx.length], { dtype: 'int32' });
          logits = tidy(() => head.forward(indexSelect(shared.train!, 0, rows)) as Tensor);
          rows.dispose();
        } else {
          const x = await firstBatch(ctx.train.subset(idx), idx.length);
          const f = noGrad(() => tidy(() => flatRows(forwardTo(model, x, ctx.headCut!))));
          x.dispose();
          logits = tidy(() => head.forward(f) as Tensor);
          f.dispose();
        }
        try {
          step(logits, ctx.train.labels, idx, optimizer);
        } finally {
          logits.dispose();
        }
      }
      report.samples += samples;
      report.seconds += (performance.now() - t0) / 1000;
    },
    async validate(full) {
      if (full) {
        model.eval();
        return (await evaluate(model, ctx.validation, { batchSize: ctx.batchSize, classes: ctx.classes })).accuracy;
      }
      const set = ctx.rungValidation;
      const correct = noGrad(() => tidy(() => {
        const pred = (head.forward(shared.validation) as Tensor).argmax(1);
        return keep(pred.eq(tensor(set.labels, [set.size], { dtype: 'int32' })).float().sum());
      }));
      const v = ((await correct.data()) as Float32Array)[0]!;
      correct.dispose();
      return v / set.size;
    },
    dispose(keepModel) {
      optimizer.dispose();
      if (!keepModel) model.dispose();
    },
  };
}

/** The cut point whose output is the classifier Linear's input, or null when there is none. */
function cutBeforeHead(model: Module): string | null {
  const head = headPath(model);
  const points = cutPoints(model);
  const i = head === null ? -1 : points.indexOf(head);
  return i > 0 ? points[i - 1]! : null;
}

/** `fit({ strategy: 'auto', budget })`: see the top of this file. Called by fit after its option checks. */
export async function autoFit(
  o: AutoFitInput, ctx0: Omit<Ctx, 'copy' | 'shared' | 'rungValidation' | 'headCut' | 'budget'>,
): Promise<AutoFitResult> {
  const t0 = performance.now();
  const a: AutoOptions = o.auto ?? {};
  checkOptions('fit: auto', a, ['strategies', 'lrs', 'eta', 'searchShare', 'rungValidation', 'fullCheck', 'prior', 'makeModel']);
  const budget = o.budget;
  if (!Number.isInteger(budget) || budget! < 1) {
    throw new EngineError(`fit: strategy 'auto' needs budget, a positive integer number of training samples, got ${budget}`);
  }
  if (o.trunk) throw new EngineError("fit: strategy 'auto' takes a whole model (model), not a trunk");
  const given = o.model!;
  const strategies = a.strategies ?? AUTO_SETTINGS.strategies;
  const lrs = a.lrs ?? AUTO_SETTINGS.lrs;
  const eta = a.eta ?? AUTO_SETTINGS.eta;
  const searchShare = a.searchShare ?? AUTO_SETTINGS.searchShare;
  const rungMax = a.rungValidation ?? AUTO_SETTINGS.rungValidation;
  const fullCheck = a.fullCheck ?? AUTO_SETTINGS.fullCheck;
  if (!Number.isInteger(rungMax) || rungMax < 1) throw new EngineError(`fit: auto.rungValidation must be a positive integer, got ${rungMax}`);
  if (!(eta >= 2) || !(searchShare > 0 && searchShare <= 1) || !lrs.length || !strategies.length) {
    throw new EngineError(`fit: auto needs eta ≥ 2, searchShare in (0, 1], and at least one strategy and rate (got eta ${eta}, searchShare ${searchShare})`);
  }
  const arch = architectureName(given);
  if (!a.makeModel && arch === null) {
    throw new EngineError(`fit: auto copies the model per candidate: ${given.label()} has no known architecture, pass auto.makeModel`);
  }
  const outputs = headOutputs(given);
  if (outputs === null) throw new EngineError(`fit: auto needs a model with an nn.Linear classifier; ${given.label()} has none`);
  const state = [...given.stateDict()];
  const copy = (): Module => {
    const m = a.makeModel ? a.makeModel() : buildArchitecture({ name: arch!, numClasses: outputs });
    m.loadStateDict(new Map(state));
    return m;
  };
  const rungIdx = stratifiedSubset(ctx0.validation.labels, rungMax, ctx0.seed + 13);
  const rungValidation = rungIdx.length === ctx0.validation.size ? ctx0.validation : ctx0.validation.subset(rungIdx);
  const ctx: Ctx = { ...ctx0, copy, shared: null, rungValidation, headCut: cutBeforeHead(given), budget: budget! };
  let validationSamples = 0;
  const phases: AutoPhases = {
    setup: 0, scores: 0, prior: 0, features: 0, candidates: 0, searchTraining: 0, searchValidation: 0, winnerTraining: 0, winnerValidation: 0, finish: 0,
  };
  let mark = t0;
  /** Ends the current phase (after its GPU work) and charges it to `p`; returns its seconds. */
  const lap = async (p: keyof AutoPhases): Promise<number> => {
    await sync();
    const now = performance.now();
    const s = (now - mark) / 1000;
    phases[p] += s;
    mark = now;
    return s;
  };
  await lap('setup');

  // ---- scores and the prior, on up to scoreSamples training images (a phase that does not run takes 0 s)
  const truncate = strategies.includes('truncate-fine-tune');
  const sampleIdx = stratifiedSubset(ctx.train.labels, AUTO_SETTINGS.scoreSamples, ctx.seed);
  const sample = truncate || a.prior !== false ? await hostSample(ctx.train.subset(sampleIdx)) : null;
  let cutScores: AutoReport['cutScores'] = null;
  let prior: AutoReport['prior'] = null;
  const wasTraining = given.training;
  given.eval();
  try {
    if (truncate) {
      cutScores = await rankCutPoints(given, sample!);
      await lap('scores');
    }
    if (a.prior !== false) {
      const similarity = await measureSimilarity(given, sample!, { baselines: 1 });
      prior = { advice: recommendStrategy({ targetSize: ctx.train.size + ctx.validation.size, numClasses: ctx.classes.length, similarity }), rank: -1 };
      await lap('prior');
    }
    // ---- the shared features of the feature-extraction candidates
    if (strategies.includes('feature-extraction') && ctx.headCut) {
      // The training images' features are computed by the first rung that covers the training set (headTrial).
      ctx.shared = { train: null, validation: keep(await featuresOfSet(given, ctx.rungValidation, ctx.headCut)) };
      await lap('features');
    }
  } finally {
    given.train(wasTraining);
  }

  // ---- successive halving
  const trials: Trial[] = [];
  const alive = new Set<Trial>();
  let winner: Trial | null = null;
  try {
    for (const s of strategies) {
      for (const lr of lrs) {
        const truncateAt = s === 'truncate-fine-tune' ? cutScores![0]!.at : undefined;
        const plan = planStrategy('fit', s, lr, truncateAt);
        const report: CandidateReport = {
          name: `${s} @ ${lr}`, strategy: s, lr, ...(truncateAt ? { truncateAt } : {}), curve: [], rung: 0, final: 0, samples: 0, seconds: 0,
        };
        const t = s === 'feature-extraction' && ctx.shared ? headTrial(ctx, report, plan) : modelTrial(ctx, report, plan);
        trials.push(t);
        alive.add(t);
      }
    }
    await lap('candidates');
    const counts: number[] = [];
    for (let n = trials.length; n > 1; n = Math.ceil(n / eta)) counts.push(n);
    if (counts.length === 0) counts.push(1);
    const search = Math.floor(budget! * searchShare);
    const rungs: AutoReport['rungs'] = [];
    let searchSamples = 0;
    let survivors = [...trials];
    for (let r = 0; r < counts.length; r++) {
      const each = Math.max(AUTO_SETTINGS.minRungSamples, Math.floor(search / (counts.length * survivors.length)));
      const rung = { candidates: survivors.length, samplesEach: each, trainSeconds: 0, validationSeconds: 0 };
      rungs.push(rung);
      for (const t of survivors) {
        if (o.signal?.aborted) break;
        await t.trainRung(each);
        searchSamples += each;
        rung.trainSeconds += await lap('searchTraining');
        const v = await t.validate();
        validationSamples += ctx.rungValidation.size;
        rung.validationSeconds += await lap('searchValidation');
        t.report.curve.push({ samples: t.report.samples, valAccuracy: v });
        t.report.final = v;
        t.report.rung = r;
        o.onProgress?.({ epoch: r, epochs: counts.length, batch: 0, batches: 0 });
      }
      const keepN = Math.ceil(survivors.length / eta);
      survivors = [...survivors].sort((x, y) => y.report.final - x.report.final || trials.indexOf(x) - trials.indexOf(y)).slice(0, keepN);
    }
    winner = survivors[0]!;
    const searchSeconds = (mark - t0) / 1000;
    // ---- the winner trains on, in rungs of its last size
    const history: AutoFitResult['history'] = [];
    const last = rungs[rungs.length - 1]!.samplesEach;
    let left = Math.max(0, budget! - searchSamples);
    let winnerSamples = 0;
    let epoch = 0;
    let checked = false;
    while (left > 0 && !o.signal?.aborted) {
      const n = Math.min(left, Math.max(last, AUTO_SETTINGS.minRungSamples));
      const e0 = performance.now();
      await winner.trainRung(n);
      left -= n;
      winnerSamples += n;
      await lap('winnerTraining');
      // The winner's curve on the rung subset; with fullCheck its last point on the whole split (what evaluate gives).
      const full = fullCheck && (left <= 0 || !!o.signal?.aborted);
      checked ||= full;
      const v = await winner.validate(full);
      validationSamples += full ? ctx.validation.size : ctx.rungValidation.size;
      await lap('winnerValidation');
      winner.report.curve.push({ samples: winner.report.samples, valAccuracy: v });
      winner.report.final = v;
      const record = { epoch: epoch++, loss: NaN, accuracy: NaN, valAccuracy: v, seconds: (performance.now() - e0) / 1000, cachedAt: null };
      history.push({ ...record, plan: { frozenGroups: 0, lrs: [] } });
    }
    if (fullCheck && !checked && rungValidation !== ctx.validation) {
      // No training after the search: the winner's last point is still checked on the whole split.
      const v = await winner.validate(true);
      validationSamples += ctx.validation.size;
      winner.report.curve[winner.report.curve.length - 1]!.valAccuracy = v;
      winner.report.final = v;
      await lap('winnerValidation');
    }
    winner.report.rung = counts.length;
    const ranking = trials.map((t) => t.report).sort((x, y) => y.rung - x.rung || y.final - x.final);
    if (prior) prior.rank = ranking.findIndex((c) => c.strategy === prior!.advice.strategy) + 1;
    winner.model.eval();
    await lap('finish');
    const auto: AutoReport = {
      ranking, winner: winner.report, prior, cutScores, rungs, settingsVersion: AUTO_SETTINGS.version,
      cost: { budget: budget!, searchSamples, winnerSamples, validationSamples, seconds: (mark - t0) / 1000, searchSeconds, phases },
    };
    const w = winner.report;
    const wp = planStrategy('fit', w.strategy, w.lr, w.truncateAt);
    return {
      model: winner.model, classes: ctx.classes, history, stopped: o.signal?.aborted ? 'aborted' : 'completed',
      bestEpoch: history.length ? history.length - 1 : null,
      seconds: auto.cost.seconds, auto,
      strategy: { name: w.strategy, recipe: wp.recipeName, lrs: wp.lrs, ...(w.truncateAt ? { truncateAt: w.truncateAt } : {}) },
    };
  } finally {
    for (const t of trials) t.dispose(t === winner);
    if (ctx.shared) {
      ctx.shared.train?.dispose();
      ctx.shared.validation.dispose();
    }
  }
}

// Fine-tuning recipes as data: a recipe maps an epoch to a plan (which layer groups train, and each group's
// learning rate), and `runRecipe` applies the plan before calling your epoch function. Nothing else: the
// epoch loop, the data, the loss and the metrics stay yours.
//
//   const groups = transfer.layerGroups(model);
//   const opt = new optim.AdamW(transfer.groupParams(model, groups, groups.map(() => 1e-3)));
//   await transfer.runRecipe(transfer.recipes.fineTune({ frozenEpochs: 1, lrs: [1e-4, 1e-2] }), {
//     model, optimizer: opt, groups, epochs: 4,
//     trainEpoch: async (epoch, plan) => { …one pass over the data: forward, backward, opt.step()… },
//   });
//
// The recipes (groups are ordered from the input to the output; the last one is the head):
//   featureExtraction({ lr })        only the head trains, every epoch.
//   fineTuneTop({ lr, groups: k })   the top k groups train at lr (k = 2: the last trunk group and the head).
//   fineTune({ frozenEpochs, lrs })  fastai's fine_tune: `frozenEpochs` with only the head at the high rate, then
//                                    every group, at rates spread geometrically over [low, high].
//   gradualUnfreezing({ every, lrs }) ULMFiT: the head first, one more group from the top every `every` epochs;
//                                    rates spread over [low, high] by depth, so each newly unfrozen (deeper)
//                                    group starts at a smaller rate than the ones above it.
//   backboneFinetuning({ unfreezeAt, lr, initialRatio, multiplier })  Lightning's BackboneFinetuning: the head
//                                    alone until epoch `unfreezeAt`, then the whole trunk at lr·initialRatio,
//                                    multiplied by `multiplier` each epoch, never above the head's lr.
//   allGroups({ lr })               everything at one rate (training from scratch, or a plain fine-tune).
//
// A plan is pure data, so a checkpoint needs only the epoch to resume a recipe (`startEpoch`).

import { EngineError, checkOptions } from '../engine/internal.ts';
import type { Module } from '../nn/index.ts';
import { discriminativeLrs, freezeTo, type LayerGroup } from './layer-groups.ts';

export interface EpochPlan {
  /** How many groups from the bottom are frozen this epoch (0 = all train). */
  frozenGroups: number;
  /** The learning rate of each group (frozen ones included; they do not step). */
  lrs: number[];
}

/** A recipe: the plan of each epoch, given the number of layer groups. */
export type Recipe = (epoch: number, groupCount: number) => EpochPlan;

function positive(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new EngineError(`${op}: ${name} must be a positive number, got ${JSON.stringify(v)}`);
  return v;
}

function range(op: string, lrs: unknown): [number, number] {
  if (!Array.isArray(lrs) || lrs.length !== 2) throw new EngineError(`${op}: lrs must be [lowLr, highLr], got ${JSON.stringify(lrs)}`);
  discriminativeLrs(2, lrs as [number, number]); // checks order and signs
  return [lrs[0] as number, lrs[1] as number];
}

export const recipes = {
  featureExtraction(o: { lr: number }): Recipe {
    checkOptions('featureExtraction', o, ['lr']);
    const lr = positive('featureExtraction', 'lr', o.lr);
    return (_e, n) => ({ frozenGroups: n - 1, lrs: Array.from({ length: n }, () => lr) });
  },

  fineTuneTop(o: { lr: number; groups?: number }): Recipe {
    checkOptions('fineTuneTop', o, ['lr', 'groups']);
    const lr = positive('fineTuneTop', 'lr', o.lr);
    const k = o.groups ?? 2;
    if (!Number.isInteger(k) || k < 1) throw new EngineError(`fineTuneTop: groups must be a positive integer, got ${k}`);
    return (_e, n) => ({ frozenGroups: Math.max(0, n - k), lrs: Array.from({ length: n }, () => lr) });
  },

  fineTune(o: { frozenEpochs?: number; lrs: [number, number] }): Recipe {
    checkOptions('fineTune', o, ['frozenEpochs', 'lrs']);
    const [low, high] = range('fineTune', o.lrs);
    const frozen = o.frozenEpochs ?? 1;
    if (!Number.isInteger(frozen) || frozen < 0) throw new EngineError(`fineTune: frozenEpochs must be an integer ≥ 0, got ${frozen}`);
    return (e, n) => (e < frozen
      ? { frozenGroups: n - 1, lrs: Array.from({ length: n }, () => high) }
      : { frozenGroups: 0, lrs: discriminativeLrs(n, [low, high]) });
  },

  gradualUnfreezing(o: { every?: number; lrs: [number, number] }): Recipe {
    checkOptions('gradualUnfreezing', o, ['every', 'lrs']);
    const [low, high] = range('gradualUnfreezing', o.lrs);
    const every = o.every ?? 1;
    if (!Number.isInteger(every) || every < 1) throw new EngineError(`gradualUnfreezing: every must be a positive integer, got ${every}`);
    return (e, n) => ({ frozenGroups: Math.max(0, n - 1 - Math.floor(e / every)), lrs: discriminativeLrs(n, [low, high]) });
  },

  backboneFinetuning(o: { unfreezeAt: number; lr: number; initialRatio?: number; multiplier?: number }): Recipe {
    checkOptions('backboneFinetuning', o, ['unfreezeAt', 'lr', 'initialRatio', 'multiplier']);
    const lr = positive('backboneFinetuning', 'lr', o.lr);
    const ratio = positive('backboneFinetuning', 'initialRatio', o.initialRatio ?? 0.1);
    const mult = positive('backboneFinetuning', 'multiplier', o.multiplier ?? 1.5);
    if (!Number.isInteger(o.unfreezeAt) || o.unfreezeAt < 0) {
      throw new EngineError(`backboneFinetuning: unfreezeAt must be an integer ≥ 0, got ${o.unfreezeAt}`);
    }
    return (e, n) => {
      if (e < o.unfreezeAt) return { frozenGroups: n - 1, lrs: Array.from({ length: n }, () => lr) };
      const backbone = Math.min(lr, lr * ratio * mult ** (e - o.unfreezeAt));
      return { frozenGroups: 0, lrs: Array.from({ length: n }, (_, i) => (i === n - 1 ? lr : backbone)) };
    };
  },

  allGroups(o: { lr: number }): Recipe {
    checkOptions('allGroups', o, ['lr']);
    const lr = positive('allGroups', 'lr', o.lr);
    return (_e, n) => ({ frozenGroups: 0, lrs: Array.from({ length: n }, () => lr) });
  },
};

/** What runRecipe needs of an optimizer: parameter groups with an lr, in layer-group order. */
export interface RecipeOptimizer {
  paramGroups: Array<{ lr: number; name?: string }>;
  /**
   * Called after the freezing changes, so the optimizer re-reads which parameters require grad (optim's
   * optimizers move newly frozen parameters out of their flat buffers and unfrozen ones in).
   */
  syncTrainable?: () => void;
  /** Called instead when there is no syncTrainable (an optimizer that follows freezing at zeroGrad). */
  zeroGrad?: () => void;
}

export interface RunRecipeOptions {
  model: Module;
  /** Built from transfer.groupParams(model, groups, …): one parameter group per layer group, same order. */
  optimizer: RecipeOptimizer;
  groups: LayerGroup[];
  epochs: number;
  /** The first epoch to run (resuming from a checkpoint). Default 0. */
  startEpoch?: number;
  /** BatchNorm of unfrozen groups: 'eval' (default) or 'train'; see layer-groups.ts. */
  batchNorm?: 'eval' | 'train';
  trainEpoch: (epoch: number, plan: EpochPlan) => Promise<void> | void;
}

/** Sets the groups' freezing and learning rates as the plan says (also usable without runRecipe). */
export function applyPlan(plan: EpochPlan, o: Pick<RunRecipeOptions, 'model' | 'optimizer' | 'groups' | 'batchNorm'>): void {
  const n = o.groups.length;
  if (o.optimizer.paramGroups.length !== n) {
    throw new EngineError(`runRecipe: the optimizer has ${o.optimizer.paramGroups.length} parameter groups for ${n} layer groups `
      + '(build it from transfer.groupParams(model, groups, lrs))');
  }
  o.optimizer.paramGroups.forEach((g, i) => {
    if (g.name !== undefined && g.name !== o.groups[i]!.name) {
      throw new EngineError(`runRecipe: optimizer group ${i} is "${g.name}", layer group ${i} is "${o.groups[i]!.name}" `
        + '(build the optimizer from transfer.groupParams)');
    }
  });
  if (plan.lrs.length !== n) throw new EngineError(`runRecipe: the plan has ${plan.lrs.length} learning rates for ${n} groups`);
  freezeTo(o.model, plan.frozenGroups, { groups: o.groups, ...(o.batchNorm ? { batchNorm: o.batchNorm } : {}) });
  o.optimizer.paramGroups.forEach((g, i) => (g.lr = plan.lrs[i]!));
  // The optimizer would follow the new freezing at its next step: do it now, so that a feature cache built for
  // this epoch sees the parameters where they stay.
  if (o.optimizer.syncTrainable) o.optimizer.syncTrainable();
  else o.optimizer.zeroGrad?.();
}

/** Runs epochs startEpoch..epochs−1: applies each epoch's plan, then calls trainEpoch. */
export async function runRecipe(recipe: Recipe, o: RunRecipeOptions): Promise<EpochPlan[]> {
  if (typeof recipe !== 'function') throw new TypeError('runRecipe: recipe must be one of transfer.recipes.*(…) (a function of the epoch)');
  if (!Number.isInteger(o.epochs) || o.epochs < 0) throw new EngineError(`runRecipe: epochs must be an integer ≥ 0, got ${o.epochs}`);
  const plans: EpochPlan[] = [];
  for (let e = o.startEpoch ?? 0; e < o.epochs; e++) {
    const plan = recipe(e, o.groups.length);
    applyPlan(plan, o);
    plans.push(plan);
    await o.trainEpoch(e, plan);
  }
  return plans;
}

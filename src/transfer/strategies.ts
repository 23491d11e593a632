// Strategy names ↔ recipes, both ways. The advisor (advisor.ts) names a strategy; `fit` needs a recipe
// (recipes.ts) and, for some strategies, a change to the model first. This table is the one place where a
// name becomes a plan, so `fit({ strategy: advice.strategy })` (or the whole advice) always works:
//
//   strategy              model change                    recipe
//   from-scratch          every parameter re-initialised   allGroups({ lr })
//   feature-extraction    —                                featureExtraction({ lr })
//   fine-tune-top         —                                fineTuneTop({ lr, groups: 2 })
//   fine-tune-all         —                                fineTune({ frozenEpochs: 1, lrs: [lr·lo, lr] })   (fastai's fine_tune)
//   truncate-fine-tune    trunk truncated at `truncateAt`  fineTune({ frozenEpochs: 1, lrs: [lr·lo, lr] })
//   gradual-unfreezing    —                                gradualUnfreezing({ every: 1, lrs: [lr·lo, lr] })
//
// lo is the advice's lrRatio[0] when an advice is passed, else DEFAULT_LR_RATIO[strategy]. The other way,
// `strategyOfRecipe` names the strategy each recipe implements (backboneFinetuning is a fine-tune-all).

import { EngineError } from '../engine/internal.ts';
import type { Strategy, StrategyAdvice } from './advisor.ts';
import { recipes, type Recipe } from './recipes.ts';

/** Every strategy name the advisor (or a user) can pass to fit. */
export const STRATEGIES: readonly Strategy[] = [
  'from-scratch', 'feature-extraction', 'fine-tune-top', 'fine-tune-all', 'truncate-fine-tune', 'gradual-unfreezing',
];

/** The lower end of the discriminative rates, as a fraction of lr, when no advice gives one. */
export const DEFAULT_LR_RATIO: Readonly<Record<Strategy, number>> = {
  'from-scratch': 1, 'feature-extraction': 1, 'fine-tune-top': 1, 'fine-tune-all': 0.01, 'truncate-fine-tune': 0.1, 'gradual-unfreezing': 0.01,
};

/** The recipe each strategy runs (see the table above). */
export const RECIPE_OF_STRATEGY: Readonly<Record<Strategy, keyof typeof recipes>> = {
  'from-scratch': 'allGroups', 'feature-extraction': 'featureExtraction', 'fine-tune-top': 'fineTuneTop',
  'fine-tune-all': 'fineTune', 'truncate-fine-tune': 'fineTune', 'gradual-unfreezing': 'gradualUnfreezing',
};

/** The strategy each recipe implements (the other way round). */
export function strategyOfRecipe(name: keyof typeof recipes): Strategy {
  const direct: Partial<Record<keyof typeof recipes, Strategy>> = { backboneFinetuning: 'fine-tune-all' };
  const found = direct[name] ?? STRATEGIES.find((s) => RECIPE_OF_STRATEGY[s] === name && s !== 'truncate-fine-tune');
  if (!found) throw new EngineError(`strategyOfRecipe: "${String(name)}" is not a recipe (recipes: ${Object.keys(recipes).join(', ')})`);
  return found;
}

/** What fit runs for a strategy: the recipe, the model change, and the numbers it was built from. */
export interface StrategyPlan {
  strategy: Strategy;
  recipe: Recipe;
  recipeName: keyof typeof recipes;
  /** [low, high] learning rates of the discriminative spread ([lr, lr] when there is none). */
  lrs: [number, number];
  reinitialize: boolean;
  /** The cut point to truncate the trunk at (truncate-fine-tune). */
  truncateAt?: string;
}

/** A strategy name or an advice (recommendStrategy's answer) → the plan fit runs. */
export function planStrategy(op: string, strategy: Strategy | StrategyAdvice, lr: number, truncateAt?: string): StrategyPlan {
  const advice = typeof strategy === 'object' && strategy !== null ? strategy : null;
  const name = advice ? advice.strategy : strategy;
  if (typeof name !== 'string' || !STRATEGIES.includes(name as Strategy)) {
    throw new EngineError(`${op}: strategy must be one of ${STRATEGIES.join(', ')} (or recommendStrategy's answer), got ${JSON.stringify(name)}`);
  }
  const s = name as Strategy;
  const ratio = advice?.lrRatio?.[0] ?? DEFAULT_LR_RATIO[s];
  if (!(ratio > 0 && ratio <= 1)) throw new EngineError(`${op}: the advice's lrRatio[0] must be in (0, 1], got ${ratio}`);
  const lrs: [number, number] = [lr * ratio, lr];
  const recipeName = RECIPE_OF_STRATEGY[s];
  let recipe: Recipe;
  if (recipeName === 'allGroups') recipe = recipes.allGroups({ lr });
  else if (recipeName === 'featureExtraction') recipe = recipes.featureExtraction({ lr });
  else if (recipeName === 'fineTuneTop') recipe = recipes.fineTuneTop({ lr, groups: 2 });
  else if (recipeName === 'gradualUnfreezing') recipe = recipes.gradualUnfreezing({ every: 1, lrs });
  else recipe = recipes.fineTune({ frozenEpochs: 1, lrs });
  const at = truncateAt ?? advice?.truncateAt;
  if (s === 'truncate-fine-tune' && at === undefined) {
    const how = 'truncateAt, or an advice from a similarity report with bestCut';
    throw new EngineError(`${op}: strategy 'truncate-fine-tune' needs the cut point to keep up to (${how})`);
  }
  const spread = recipeName === 'fineTune' || recipeName === 'gradualUnfreezing';
  return {
    strategy: s, recipe, recipeName, lrs: spread ? lrs : [lr, lr], reinitialize: s === 'from-scratch',
    ...(s === 'truncate-fine-tune' ? { truncateAt: at! } : {}),
  };
}

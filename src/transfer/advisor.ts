// recommendStrategy: the four-scenario rule of transfer learning, with thresholds fixed in advance.
//
// Rule v1 (fixed on 2026-12-01, before the experiment `npm run experiment:transfer` first ran):
//   size:        "small" when the target has fewer than SMALL_PER_CLASS = 100 labelled samples per class,
//                else "large";
//   similarity:  "similar" when measureSimilarity's score is at least SIMILAR_AT = 0.5 (the pretrained
//                features remove at least half of the baseline probe's error), else "different";
//   small + similar   → 'feature-extraction'   (freeze the trunk, train a new head; training more overfits)
//   small + different → 'truncate-fine-tune'   (keep the lower layers up to measureSimilarity's bestCut,
//                                               drop the deeper, source-specific ones, fine-tune what is left)
//   large + similar   → 'fine-tune-all'        (pretrained initialisation, discriminative rates [lr/100, lr])
//   large + different → 'fine-tune-all'        (many layers or all, rates [lr/10, lr]: the lower layers
//                                               must move further)
// The experiment reports how often this rule picked the best strategy. If the numbers contradict it, the rule
// changes in a later, documented revision with the evidence; it is never tuned to agree.

import { EngineError, checkOptions } from '../engine/internal.ts';

export const SMALL_PER_CLASS = 100;
export const SIMILAR_AT = 0.5;
export const ADVISOR_RULE_VERSION = 1;

export type Strategy = 'from-scratch' | 'feature-extraction' | 'fine-tune-top' | 'fine-tune-all' | 'truncate-fine-tune' | 'gradual-unfreezing';

export interface StrategyQuery {
  /** Labelled target samples available for training. */
  targetSize: number;
  numClasses: number;
  /** measureSimilarity(...).similarity (or the whole report). */
  similarity: number | { similarity: number; bestCut?: string };
}

export interface StrategyAdvice {
  strategy: Strategy;
  size: 'small' | 'large';
  similar: boolean;
  /** For 'truncate-fine-tune': the cut point to keep up to (measureSimilarity's bestCut), when known. */
  truncateAt?: string;
  /** Discriminative rates as fractions of the head's lr: [low / lr, 1]. */
  lrRatio: [number, number];
  reason: string;
  ruleVersion: number;
}

export function recommendStrategy(q: StrategyQuery): StrategyAdvice {
  if (!q || typeof q !== 'object') throw new TypeError('recommendStrategy: pass { targetSize, numClasses, similarity }');
  checkOptions('recommendStrategy', q, ['targetSize', 'numClasses', 'similarity']);
  const { targetSize, numClasses } = q;
  if (!Number.isInteger(targetSize) || targetSize < 1) throw new EngineError(`recommendStrategy: targetSize must be a positive integer, got ${targetSize}`);
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new EngineError(`recommendStrategy: numClasses must be a positive integer, got ${numClasses}`);
  const s = typeof q.similarity === 'number' ? q.similarity : q.similarity?.similarity;
  if (typeof s !== 'number' || !Number.isFinite(s)) {
    throw new EngineError(`recommendStrategy: similarity must be a finite number (measureSimilarity(...).similarity), got ${JSON.stringify(q.similarity)}`);
  }
  const bestCut = typeof q.similarity === 'object' ? q.similarity.bestCut : undefined;
  const perClass = targetSize / numClasses;
  const size = perClass < SMALL_PER_CLASS ? 'small' : 'large';
  const similar = s >= SIMILAR_AT;
  const facts = `${perClass.toFixed(0)} samples per class (${size}: threshold ${SMALL_PER_CLASS}), `
    + `similarity ${s.toFixed(2)} (${similar ? 'similar' : 'different'}: threshold ${SIMILAR_AT})`;
  const base = { size, similar, ruleVersion: ADVISOR_RULE_VERSION } as const;
  if (size === 'small' && similar) {
    return { ...base, strategy: 'feature-extraction', lrRatio: [1, 1], reason: `${facts}: a frozen trunk and a new head; training more would overfit` };
  }
  if (size === 'small') {
    return {
      ...base, strategy: 'truncate-fine-tune', ...(bestCut ? { truncateAt: bestCut } : {}), lrRatio: [0.1, 1],
      reason: `${facts}: keep the lower layers${bestCut ? ` up to ${bestCut}` : ''}, drop the deeper ones, fine-tune`,
    };
  }
  if (similar) {
    return {
      ...base, strategy: 'fine-tune-all', lrRatio: [0.01, 1],
      reason: `${facts}: pretrained initialisation, every layer fine-tuned with discriminative rates`,
    };
  }
  return {
    ...base, strategy: 'fine-tune-all', lrRatio: [0.1, 1],
    reason: `${facts}: fine-tune many layers or all, the lower ones at higher rates than for a similar task`,
  };
}

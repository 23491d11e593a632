// The `transfer` namespace: transfer learning on top of nn. See the top of each file for the details.
//   cut.ts           cut points, truncate, featureExtractor, attachHead, replaceHead
//   shapes.ts        output shapes without running (head fits trunk)
//   layer-groups.ts  layer groups, freezeTo, unfreeze, discriminative learning rates
//   recipes.ts       fineTune, gradual unfreezing, backbone warm-up, ... as epoch plans
//   cache.ts         the feature cache at the freeze boundary
//   similarity.ts    measureSimilarity (linear probes)
//   advisor.ts       recommendStrategy (the four scenarios, thresholds fixed in advance)
//   (digitsCnn, the shipped pretrained trunk's architecture, lives in src/models/digits-cnn.ts; re-exported here)
export {
  cutPoints, checkCutPoint, forwardTo, forwardFrom, canResume, chainSteps, truncate, featureExtractor, attachHead, replaceHead,
  type ChainStep, type ResumableFeatureModel, type FeatureExtractorOptions, type HeadOptions,
} from './cut.ts';
export { outputShape } from './shapes.ts';
export {
  layerGroups, freezeTo, unfreeze, trainableGroups, discriminativeLrs, groupParams, type LayerGroup, type FreezeToOptions,
} from './layer-groups.ts';
export { recipes, runRecipe, applyPlan, type Recipe, type EpochPlan, type RunRecipeOptions, type RecipeOptimizer } from './recipes.ts';
export {
  FeatureCache, DEFAULT_CACHE_BUDGET, gatherRows, type ImageSet, type FeatureCacheOptions, type FeatureCacheProgress, type FeatureCacheStats,
} from './cache.ts';
export { measureSimilarity, type LabelledImageSet, type SimilarityOptions, type SimilarityReport, type ProbeResult } from './similarity.ts';
export { recommendStrategy, SMALL_PER_CLASS, SIMILAR_AT, ADVISOR_RULE_VERSION, type Strategy, type StrategyAdvice, type StrategyQuery } from './advisor.ts';
export { digitsCnn, DigitsCnn, DIGITS_CNN_FEATURES, PRETRAINED_DIGITS } from '../models/digits-cnn.ts';

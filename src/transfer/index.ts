// The `transfer` namespace: transfer learning on top of nn. See the top of each file for the details.
//   cut.ts           cut points, truncate, featureExtractor, attachHead, replaceHead
//   shapes.ts        output shapes without running (head fits trunk)
//   layer-groups.ts  layer groups, freezeTo, unfreeze, discriminative learning rates
//   recipes.ts       fineTune, gradual unfreezing, backbone warm-up, ... as epoch plans
//   cache.ts         the feature cache at the freeze boundary
//   similarity.ts    measureSimilarity (linear probes)
//   scores.ts        transferability scores: logME, leep, nce, hScore; scoreTransferability, rankCutPoints, rankTrunks
//   spectral.ts      their host float64 math (symmetric eigendecomposition, LogME's fixed point, H-scores)
//   auto.ts          fit({ strategy: 'auto', budget }): successive halving over measured trials (settings: auto-settings.ts)
//   advisor.ts       recommendStrategy (the four scenarios, thresholds fixed in advance)
//   strategies.ts    strategy names ↔ recipes (what fit runs for advice.strategy)
//   fit.ts           fit: a dataset to a trained classifier (fit-model.ts builds the model it trains)
//   evaluate.ts      evaluate (accuracy, per-class table, confusion) and predict (labels and probabilities)
//   model-file.ts    save / load: one .safetensors with its classes, input spec and architecture
//   trunk.ts         loadTrunk: a pretrained trunk from a File, bytes, a path or a URL, its architecture checked
//   (fromTensors, a LabeledImages over GPU tensors, lives in src/data/tensor-images.ts; re-exported here)
//   (digitsCnn, the shipped pretrained trunk's architecture, lives in src/models/digits-cnn.ts; pretrainedDigits, the
//   trunk with its shipped weights in one call, in src/models/pretrained.ts; both re-exported here)
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
  FeatureCache, DEFAULT_CACHE_BUDGET, gatherRows, type ImageSet, type LoadableImageSet,
  type FeatureCacheOptions, type FeatureCacheProgress, type FeatureCacheStats,
} from './cache.ts';
export {
  measureSimilarity, trunkProbePoints, type LabelledImageSet, type SimilarityOptions, type SimilarityReport, type ProbeResult,
} from './similarity.ts';
export {
  logME, leep, nce, hScore, scoreTransferability, rankCutPoints, rankTrunks,
  type ScoreTarget, type ScoreName, type HScoreResult, type CutScores, type TransferabilityReport, type TransferabilityOptions, type RankOptions,
} from './scores.ts';
export { symmetricEigen } from './spectral.ts';
export { AUTO_SETTINGS, type AutoSettings } from './auto-settings.ts';
export type { AutoOptions, AutoReport, CandidateReport, CurvePoint } from './auto.ts';
export { recommendStrategy, SMALL_PER_CLASS, SIMILAR_AT, ADVISOR_RULE_VERSION, type Strategy, type StrategyAdvice, type StrategyQuery } from './advisor.ts';
export { digitsCnn, DigitsCnn, DIGITS_CNN_FEATURES, PRETRAINED_DIGITS, PRETRAINED_FASHION } from '../models/digits-cnn.ts';
export { pretrainedDigits, DIGITS_INPUT, type PretrainedOptions } from '../models/pretrained.ts';
export { STRATEGIES, RECIPE_OF_STRATEGY, DEFAULT_LR_RATIO, strategyOfRecipe, planStrategy, type StrategyPlan } from './strategies.ts';
export { fit, stratifiedSplit, type FitOptions, type FitResult, type FitProgress, type EpochRecord, type EarlyStopping } from './fit.ts';
export { evaluate, predict, type Evaluation, type ClassRow, type Prediction } from './evaluate.ts';
export { save, load, LIBRARY_VERSION, type SaveOptions, type LoadedModel } from './model-file.ts';
export { loadTrunk, type LoadedTrunk, type TrunkOptions } from './trunk.ts';
export { modelInfo, ARCHITECTURES, type ModelInfo, type Architecture } from './model-info.ts';
export { fromTensors } from '../data/tensor-images.ts';

// The public surface, name by name: src/index.ts and each namespace it exports. Changing the surface means
// changing this list, so every addition or removal is a deliberate, reviewed diff. Internals (Storage, the
// buffer pool, fillInPlace, fromStorage, ...) live in src/engine/internal.ts and must not appear here; the
// extension point for custom kernels and ops is the `extend` namespace.

import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.ts';

const PUBLIC: Record<string, readonly string[]> = {
  '.': ['DTypeError', 'DeviceError', 'DisposedError', 'EngineError', 'IndexError', 'ResourceError',
    'SafetensorsError', 'ShapeError', 'Tensor', 'abs', 'adaptiveAvgPool2d', 'add', 'addInto', 'arange',
    'argmax', 'argmin', 'avgPool2d', 'bceWithLogits', 'bmm', 'cat', 'clamp', 'clone', 'concat', 'conv2d',
    'copyInto', 'crossEntropy', 'data', 'div', 'emptyCache', 'engineDevice', 'engineInfo', 'eq', 'exp', 'expand',
    'extend', 'flatten', 'flush', 'fromGPUBuffer', 'full', 'gather', 'ge', 'gelu', 'getRngState', 'gt', 'huberLoss',
    'indexCopyInto', 'indexSelect', 'init', 'isGradEnabled', 'keep', 'l1Loss', 'le', 'linear', 'log',
    'logSoftmax', 'lt', 'manualSeed', 'matmul', 'max', 'maxPool2d', 'maxWithIndices', 'maximum', 'mean',
    'memoryStats', 'min', 'minWithIndices', 'minimum', 'models', 'mseLoss', 'mul', 'multitask', 'ne', 'neg',
    'nn', 'noGrad', 'oneHot', 'ones', 'onesLike', 'optim', 'parseSafetensors', 'permute', 'pow', 'rand',
    'randn', 'randperm', 'readSafetensorsBlob', 'readSafetensorsFile', 'relu', 'relu6', 'resetPeakMemory',
    'reshape', 'serializeSafetensors', 'setRngState', 'shutdown', 'sigmoid', 'slice', 'softmax', 'sqrt',
    'squeeze', 'stack', 'std', 'sub', 'sum', 'sync', 'tanh', 'tensor', 'tidy', 'toFloat', 'toInt',
    'toSafetensorsBlob', 'transfer', 'transpose', 'unsqueeze', 'variance', 'where', 'writeSafetensorsFile',
    'zeros', 'zerosLike'],
  'nn': ['AdaptiveAvgPool2d', 'AvgPool2d', 'BatchNorm1d', 'BatchNorm2d', 'Conv2d', 'Dropout', 'Flatten', 'GELU',
    'Identity', 'LayerNorm', 'Linear', 'MaxPool2d', 'Module', 'ModuleDict', 'ModuleList', 'Parameter', 'ReLU',
    'ReLU6', 'Sequential', 'Sigmoid', 'StateDictError', 'Tanh', 'bceWithLogits', 'crossEntropy',
    'globMatches', 'huberLoss', 'init', 'isFeatureModel', 'l1Loss', 'layerNorm', 'loadCheckpoint',
    'loadSafetensors', 'mseLoss', 'saveCheckpoint', 'saveCheckpointBlob', 'saveCheckpointFile',
    'saveSafetensors', 'saveSafetensorsBlob', 'saveSafetensorsFile', 'stateDictToHost'],
  'optim': ['Adam', 'AdamW', 'CosineWarmup', 'LRScheduler', 'LambdaLR', 'LinearWarmup', 'Optimizer', 'SGD', 'StepLR',
    'clipGradNorm', 'layerwiseLrGroups', 'paramGroups'],
  'transfer': ['ADVISOR_RULE_VERSION', 'DEFAULT_CACHE_BUDGET', 'DIGITS_CNN_FEATURES', 'DIGITS_INPUT', 'DigitsCnn', 'FeatureCache',
    'PRETRAINED_DIGITS', 'SIMILAR_AT', 'SMALL_PER_CLASS', 'applyPlan', 'attachHead', 'canResume',
    'chainSteps', 'checkCutPoint', 'cutPoints', 'digitsCnn', 'discriminativeLrs', 'featureExtractor',
    'forwardFrom', 'forwardTo', 'freezeTo', 'gatherRows', 'groupParams', 'layerGroups', 'measureSimilarity',
    'outputShape', 'pretrainedDigits', 'recipes', 'recommendStrategy', 'replaceHead', 'runRecipe', 'trainableGroups', 'truncate',
    'unfreeze',
    // issue 22 (fit): one call to train, evaluate, predict; strategy names ↔ recipes; a model file out and in
    'DEFAULT_LR_RATIO', 'LIBRARY_VERSION', 'RECIPE_OF_STRATEGY', 'STRATEGIES', 'evaluate', 'fit', 'fromTensors', 'load',
    'modelInfo', 'planStrategy', 'predict', 'save', 'strategyOfRecipe', 'stratifiedSplit', 'trunkProbePoints',
    // issue 23 (the studio's own images): a trunk from a file or a URL, its architecture checked
    'loadTrunk',
    // issue 22 (command line): the architecture names --arch takes
    'ARCHITECTURES',
    // issue 24: transferability scores and the auto strategy
    'hScore', 'leep', 'logME', 'nce', 'rankCutPoints', 'rankTrunks', 'scoreTransferability', 'symmetricEigen', 'AUTO_SETTINGS', 'PRETRAINED_FASHION'],
  // issue 22: images in (folders, files, browser images), datasets and GPU batches
  'data': ['ImageSet', 'IMAGENET_INPUT', 'decodeBrowser', 'decodeNode', 'drawAugmentations', 'fromClasses', 'fromFiles', 'fromFolder',
    'fromTensors', 'loadSharp', 'prepareBatch', 'prepareImages', 'stratifiedSplit'],
  'multitask': ['CGC', 'CrossStitch', 'HardSharing', 'MMoE', 'MTAN', 'MultiTask', 'PLE', 'Weighting', 'metrics', 'weighting'],
  'models': ['BasicBlock', 'IMAGENET_INPUT', 'IMAGENET_MEAN', 'IMAGENET_STD', 'InvertedResidual', 'MobileNetV2', 'ResNet',
    'WeightsError', 'ZooModel', 'clearWeightsCache', 'identifyCheckpoint', 'imageToTensor', 'makeDivisible', 'mobilenetV2',
    'mobilenetV2Widths', 'readWeights', 'resnet18', 'resnet34', 'toTorchvisionLayout'],
  'extend': ['MAX_WORKGROUPS_PER_DIM', 'attach', 'checkFloat', 'checkOperand', 'chooseMatmulVersion', 'conv2dPasses',
    'defineKernel', 'defineKernelVersions', 'emptyTensor', 'grid', 'kernelVersions', 'launch', 'needsGrad',
    'recorderStats', 'traceKernels', 'traceLaunches'],
};

/** The exported names of a namespace object. */
const names = (ns: object): string[] => Object.keys(ns).sort();

describe('public API', () => {
  it('exports exactly the listed top-level names', () => {
    expect(names(api)).toEqual([...PUBLIC['.']!].sort());
  });

  for (const [ns, expected] of Object.entries(PUBLIC)) {
    if (ns === '.') continue;
    it(`exports exactly the listed names in ${ns}`, () => {
      const value = (api as unknown as Record<string, object | undefined>)[ns];
      expect(value, `${ns} is not exported`).toBeTypeOf('object');
      expect(names(value!)).toEqual([...expected].sort());
    });
  }

  it('keeps engine internals out of the top level', () => {
    const internals = ['Storage', 'bufferPool', 'launch', 'attach', 'emptyTensor', 'fillInPlace', 'fromStorage', 'kernelVersions', 'defineKernelVersions'];
    expect(names(api).filter((n) => internals.includes(n))).toEqual([]);
  });

  it('installs the Tensor methods on import', () => {
    const proto = api.Tensor.prototype as unknown as Record<string, unknown>;
    for (const m of ['add', 'matmul', 'reshape', 'sum', 'softmax', 'relu']) expect(typeof proto[m]).toBe('function');
    expect(Object.getOwnPropertyDescriptor(api.Tensor.prototype, 'T')?.get).toBeTypeOf('function');
  });
});

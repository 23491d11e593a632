// The one public entry point. Everything a user needs is exported from here.
export * from './engine/index.ts';
// Neural-network layers (nn.Linear, nn.Module, ...), optimizers and schedulers (optim.AdamW, optim.StepLR, ...),
// losses, and .safetensors files.
export * as nn from './nn/index.ts';
export * as optim from './nn/optim-api.ts';
// Transfer learning: cut points, feature extraction with a feature cache, layer groups, fine-tuning recipes.
export * as transfer from './transfer/index.ts';
// Pretrained-model trunks (torchvision's resnet18 / resnet34 / mobilenet_v2) and the image helper.
export * as models from './models/index.ts';
export { crossEntropy, bceWithLogits, mseLoss, l1Loss, huberLoss } from './nn/losses.ts';
export {
  parseSafetensors, serializeSafetensors, readSafetensorsBlob, toSafetensorsBlob, readSafetensorsFile, writeSafetensorsFile, SafetensorsError,
  type HostTensor, type SafetensorsContents,
} from './nn/safetensors.ts';
// Multi-task learning: MultiTask (shared trunk + heads), MMoE, weighting methods, per-task metrics.
export * as multitask from './multitask/index.ts';

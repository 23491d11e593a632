// The model zoo: torchvision-compatible trunks that load PyTorch-exported weights (tools/export_torchvision.py)
// and implement the cut-point contract (nn.FeatureModel) for the transfer API.
//   import { models } from 'webgpu-tensor';
//   const net = await models.resnet18({ weights: await (await fetch('resnet18.safetensors')).arrayBuffer() });
// digits-cnn.ts (the shipped 28×28 digits trunk) is exported through `transfer` (transfer.digitsCnn), as before.

export { ZooModel, type Step, type WeightsSource, type ZooOptions } from './chain.ts';
export { ResNet, BasicBlock, resnet18, resnet34, type ResNetOptions, type WithWeights } from './resnet.ts';
export { MobileNetV2, InvertedResidual, mobilenetV2, type MobileNetV2Options } from './mobilenetv2.ts';
export { identifyCheckpoint, type CheckpointKind } from './checkpoint.ts';
export { makeDivisible, mobilenetV2Widths } from './widths.ts';
export { imageToTensor, IMAGENET_MEAN, IMAGENET_STD, type ImageSource, type ImageToTensorOptions } from './image.ts';

// The shipped pretrained trunk's architecture: a small CNN with BatchNorm for 28×28 grey digits, trained by
// this engine on MNIST digits 0–4 (`npm run pretrain`; weights in pretrained/digits-0to4.safetensors, its
// recorded accuracy in pretrained/digits-0to4.json). It is an architecture, so it lives in src/models; the public
// names stay in the `transfer` namespace (transfer.digitsCnn, ...). PyTorch-style keys (features.0.0.weight, ...):
//
//   features.0  Conv2d(1, 8, 3, padding 1)   BatchNorm2d(8)  ReLU  MaxPool2d(2)    → [N,  8, 14, 14]
//   features.1  Conv2d(8, 16, 3, padding 1)  BatchNorm2d(16) ReLU  MaxPool2d(2)    → [N, 16,  7,  7]
//   features.2  Conv2d(16, 32, 3, padding 1) BatchNorm2d(32) ReLU  MaxPool2d(2)    → [N, 32,  3,  3]
//   classifier  Flatten, Linear(288, numClasses)
//
// The same module in PyTorch (tools/check_pretrained_torch.py loads the weights with strict=True):
//   nn.Sequential(OrderedDict(features=nn.Sequential(block(1, 8), block(8, 16), block(16, 32)),
//                             classifier=nn.Sequential(nn.Flatten(), nn.Linear(288, n))))

import { BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '../nn/index.ts';

/** Output shape of each features block for a [N, 1, 28, 28] input. */
export const DIGITS_CNN_FEATURES = { 'features.0': [8, 14, 14], 'features.1': [16, 7, 7], 'features.2': [32, 3, 3] } as const;

function block(inChannels: number, outChannels: number): Sequential {
  return new Sequential(new Conv2d(inChannels, outChannels, 3, { padding: 1 }), new BatchNorm2d(outChannels), new ReLU(), new MaxPool2d(2));
}

/** The digits CNN: a Sequential that knows its layer groups (the three feature blocks and the classifier). */
export class DigitsCnn extends Sequential {
  override get typeName(): string { return 'DigitsCnn'; }

  constructor(numClasses: number) {
    super({
      features: new Sequential(block(1, 8), block(8, 16), block(16, 32)),
      classifier: new Sequential(new Flatten(), new Linear(32 * 3 * 3, numClasses)),
    });
  }

  /** Layer groups for transfer.freezeTo and discriminative rates, from the input to the head. */
  layerGroups(): string[][] {
    return [['features.0'], ['features.1'], ['features.2'], ['classifier']];
  }
}

/** The digits CNN with a `numClasses`-way classifier (5 for the shipped 0–4 model). Random initialisation. */
export function digitsCnn(numClasses = 5): DigitsCnn {
  return new DigitsCnn(numClasses);
}

/** Where the shipped weights live, relative to the repo root (the dev server serves them at /pretrained/...). */
export const PRETRAINED_DIGITS = {
  weights: 'pretrained/digits-0to4.safetensors',
  card: 'pretrained/digits-0to4.json',
  sourceClasses: [0, 1, 2, 3, 4],
} as const;

/** The second shipped trunk (issue 24): the same architecture trained on Fashion-MNIST classes 0–4 (`npm run pretrain -- --source fashion`). */
export const PRETRAINED_FASHION = {
  weights: 'pretrained/fashion-0to4.safetensors',
  card: 'pretrained/fashion-0to4.json',
  sourceClasses: [0, 1, 2, 3, 4],
} as const;

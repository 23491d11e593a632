// dropout: zeroes each element with probability p and scales the rest by 1/(1 − p) (torch.nn.functional.dropout
// in train mode; nn.Dropout composes it). The scaled keep-mask comes from nn_dropout.wgsl, a counter-based hash
// of (seed, i), so a mask needs no random state on the GPU and no upload; y = x ⊙ mask, and the backward rule is
// mul's: dx = g ⊙ mask. The caller picks the seed (nn.Dropout: from the engine's random stream, or its own).

import dropoutWgsl from '../../shaders/nn_dropout.wgsl?raw';
import { defineKernel, grid } from '../../shaders/kernel.ts';
import { EngineError } from '../errors.ts';
import { emptyTensor, launch } from '../runtime/launch.ts';
import { checkOperand, type Tensor } from '../tensor.ts';
import { mul } from './elementwise.ts';

const dropoutKernel = defineKernel('nn_dropout', dropoutWgsl, ['write'], { n: 'u32', seed: 'u32', p: 'f32', scale: 'f32' });

/** x ⊙ mask with mask[i] = 1/(1 − p) with probability 1 − p, else 0 (all zeros for p = 1), from `seed`. */
export function dropout(x: Tensor, p: number, seed: number): Tensor {
  checkOperand('dropout', x);
  if (!(p >= 0 && p <= 1)) throw new EngineError(`dropout: p must be in [0, 1], got ${p}`);
  const mask = emptyTensor(x.shape);
  launch(dropoutKernel, [mask], {
    params: { n: x.size, seed, p, scale: p === 1 ? 0 : 1 / (1 - p) },
    workgroups: grid(Math.ceil(x.size / 256)),
    label: 'dropout.mask',
  });
  const y = mul(x, mask);
  mask.dispose();
  return y;
}

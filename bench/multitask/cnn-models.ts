// The models of the CNN multi-task experiment: a small CNN trunk on [N, 1, 28, 28] and the six architectures
// built from the same layers (sizes chosen, not tuned, to keep every architecture near the trunk's cost).
//
//   trunk (hard sharing and the single-task baselines), 51.5k weights:
//     conv1  Conv2d(1→8, 3×3, stride 2, pad 1) · ReLU       → [8, 14, 14]
//     conv2  Conv2d(8→16, 3×3, stride 2, pad 1) · ReLU      → [16, 7, 7]
//     fc     Flatten · Linear(784→64) · ReLU                 → 64 features (the representation)
//   (strided convolutions instead of conv + max-pool: a quarter of the convolution work, which on the shared
//   2-core CPU adapter decides how many runs fit the budget)
//   heads    Linear(64 → outputs) per task
//   half expert (MMoE, CGC, PLE, the cross-stitch columns): the trunk at half width, conv 1→4, conv 4→8 (both
//            stride 2), Linear(392→64)
//   mmoe          3 half experts, a gate per task Flatten · Linear(784→3)
//   cross-stitch  a half-width column per task in 2 stages (conv1; conv2 + fc), a cross-stitch unit after each
//   mtan          the trunk's conv1 and conv2 as the shared backbone, per task 1×1-conv attention per stage
//                 (8→8, then 24→16); heads Flatten · Linear(784 → outputs) on the attended [16, 7, 7]
//   cgc           2 shared half experts and 1 per task, a gate per task Flatten · Linear(784→3)
//   ple           layer 1: 2 shared + 1 per task half experts, gates Flatten · Linear(784→3), a shared gate
//                 Flatten · Linear(784→5); layer 2: 1 shared + 1 per task Linear(64→64) · ReLU, gates Linear(64→2)

import * as E from '../../src/index.ts';
import type { TaskSpec } from './cnn-data.ts';
import { WEIGHTING_METHODS, makeWeighting, type WeightingMethod } from '../../examples/multitask-digits.ts';

const { nn, multitask: mt } = E;

export const ARCHS = ['hard', 'mmoe', 'cross-stitch', 'mtan', 'cgc', 'ple'] as const;
export type Arch = (typeof ARCHS)[number];

// The weighting ids and their constructors (with the same settings) are the digits example's.
export const WEIGHTINGS = WEIGHTING_METHODS;
export type Weighting = WeightingMethod;
export { makeWeighting };

const stage1 = (c: number) => new nn.Sequential(new nn.Conv2d(1, c, 3, { stride: 2, padding: 1 }), new nn.ReLU());
const stage2 = (c: number) => new nn.Sequential(new nn.Conv2d(c, 2 * c, 3, { stride: 2, padding: 1 }), new nn.ReLU());
const fc = (c: number) => new nn.Sequential(new nn.Flatten(), new nn.Linear(2 * c * 49, 64), new nn.ReLU());

/** The CNN trunk: conv1, conv2, fc (names as above). */
export function makeTrunk(): E.nn.Module {
  return new nn.Sequential(stage1(8), stage2(8), fc(8));
}

const halfExpert = () => new nn.Sequential(stage1(4), stage2(4), fc(4));
const imageGate = (k: number) => new nn.Sequential(new nn.Flatten(), new nn.Linear(784, k));

function makeArchTrunk(arch: Arch, tasks: readonly string[]): E.nn.Module {
  const per = <V>(f: (t: string) => V) => Object.fromEntries(tasks.map((t) => [t, f(t)])) as Record<string, V>;
  const T = tasks.length;
  switch (arch) {
    case 'hard': return makeTrunk();
    case 'mmoe': return new mt.MMoE({ experts: [0, 1, 2].map(halfExpert), gates: per(() => imageGate(3)) });
    case 'cross-stitch': return new mt.CrossStitch({ columns: per(() => [stage1(4), new nn.Sequential(stage2(4), fc(4))]) });
    case 'mtan': return new mt.MTAN({
      backbone: [stage1(8), stage2(8)],
      attention: per(() => [new nn.Conv2d(8, 8, 1), new nn.Conv2d(24, 16, 1)]),
    });
    case 'cgc': return new mt.CGC({ shared: [halfExpert(), halfExpert()], task: per(() => [halfExpert()]), gates: per(() => imageGate(3)) });
    case 'ple': return new mt.PLE({
      layers: [
        { shared: [halfExpert(), halfExpert()], task: per(() => [halfExpert()]), gates: per(() => imageGate(3)), sharedGate: imageGate(2 + T) },
        {
          shared: [new nn.Sequential(new nn.Linear(64, 64), new nn.ReLU())],
          task: per(() => [new nn.Sequential(new nn.Linear(64, 64), new nn.ReLU())]),
          gates: per(() => new nn.Linear(64, 2)),
        },
      ],
    });
  }
}

export function taskLoss(task: TaskSpec): E.multitask.TaskLoss {
  return task.kind === 'class' ? E.crossEntropy : task.kind === 'binary' ? E.bceWithLogits : E.mseLoss;
}

/** A multi-task model (or a single-task baseline: one task, hard sharing, equal weighting), seeded. */
export function makeModel(arch: Arch, tasks: readonly TaskSpec[], method: Weighting, seed: number): E.multitask.MultiTask {
  E.manualSeed(seed);
  const names = tasks.map((t) => t.name);
  const heads = Object.fromEntries(tasks.map((t) => [t.name, arch === 'mtan'
    ? new nn.Sequential(new nn.Flatten(), new nn.Linear(784, t.outputs)) : new nn.Linear(64, t.outputs)]));
  const losses = Object.fromEntries(tasks.map((t) => [t.name, taskLoss(t)]));
  return new mt.MultiTask({ trunk: makeArchTrunk(arch, names), heads, losses, weighting: makeWeighting(method, names, seed) });
}

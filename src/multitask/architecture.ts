// The architecture of a multi-task model: how its parameters are shared between the tasks. LibMTL's split:
// the architecture (this interface) is independent of the weighting (weighting.ts), and MultiTask speaks only
// this interface, so every weighting works with every architecture.
//
// What an architecture says:
//   - represent(x): the shared part, run once per step. It returns the representation(s): the tensors, in the
//     graph, that the heads read and at which representation-level weightings (LibMTL's rep_grad: GradNorm,
//     MGDA-UB, PCGrad here) measure each task's gradient g_t = ∂L_t/∂rep. MultiTask runs the heads on
//     detached copies, combines the g_t, and back-propagates the shared part ONCE with the combined gradient.
//     With several representations, g_t is all of them flattened and concatenated (zeros where the task's loss
//     does not reach), so a weighting always sees one vector per task.
//   - taskInput(task, reps, x): what task t's head receives. Task-specific trunk parameters (a gate, attention
//     modules, task experts) run here, on the representation(s) and the input, so they get task t's gradient
//     alone and are not part of the shared part.
//   - sharedParameters() / taskParameters(task): the parameters every task reaches (what weightings that need
//     per-task gradients at the shared parameters, such as CAGrad or Nash-MTL in LibMTL's non-rep_grad mode,
//     differentiate) and task t's own ones inside the architecture (besides its head).
//   - checkTasks(tasks, op) and addTask(task): whether it serves exactly these tasks, before any GPU work, and
//     whether it can take one more after construction.
//
// The built-in ones (each file has the details):
//   hard sharing (HardSharing below)  one trunk; represent = [trunk(x)]; every head receives that same z.
//   MMoE (mmoe.ts)                    represent = [stack_e expert_e(x)] ([N, E, D]); head t receives
//                                     Σ_e softmax(gate_t(x))_e · z[:, e], its gate being task t's parameters.
// and, as implemented in cross-stitch.ts, mtan.ts and ple.ts:
//   cross-stitch (Misra et al. 2016)  one column per task, cross-stitch units mixing the columns' activations
//                                     after every stage. Every parameter is reached by every task, so the whole
//                                     network is the shared part: represent = the T columns' last outputs (one
//                                     representation per task), taskInput(t) = reps[t]; sharedParameters = all,
//                                     taskParameters = []. The g_t then live on different tensors (task t's
//                                     loss reaches only reps[t]), so PCGrad and MGDA see orthogonal gradients.
//   MTAN (Liu et al. 2019)            a shared backbone with S stages and, per task, attention modules over
//                                     each stage's features: represent = the S stage outputs, taskInput(t) runs
//                                     task t's attention chain over them (its parameters: taskParameters(t));
//                                     sharedParameters = the backbone's.
//   CGC (Tang et al. 2020)            shared experts and task-specific experts, a gate per task over both:
//                                     represent = [stack of the shared experts' outputs]; taskInput(t) runs
//                                     task t's own experts on x and its gate over [shared, own]; sharedParameters
//                                     = the shared experts', taskParameters(t) = t's experts and gate.
//   PLE (Tang et al. 2020)            stacked extraction layers; in layer k+1 the shared experts read a shared
//                                     gate's mix of all of layer k's experts, so everything below the last layer
//                                     is reached by every task, and so are the last layer's shared experts:
//                                     represent = task t's mix from layer L−1 for each t, plus the last layer's
//                                     shared experts' outputs; taskInput(t) runs the last layer's task-t experts
//                                     on its mix and task t's gate over them and the shared outputs;
//                                     taskParameters(t) = those experts and that gate, the rest is shared.
//                                     MTAN here: its attention modules take [p^s, pool(â^{s−1})] (mtan.ts).

import { EngineError, concat, reshape, slice, type Tensor } from '../engine/internal.ts';
import { Module, type Parameter } from '../nn/index.ts';

export interface Architecture {
  /** Short name for tables and messages: 'hard', 'mmoe', ... */
  readonly architecture: string;
  /** Throws a clear error (naming `op`) unless the architecture serves exactly these tasks. No GPU work. */
  checkTasks(tasks: readonly string[], op: string): void;
  /** Prepares for a task added after construction (MultiTask.addHead), or throws saying why it cannot. */
  addTask(task: string): void;
  /** The shared part, run once: the representation(s) the heads read, in the graph. */
  represent(x: Tensor): Tensor[];
  /** What task `task`'s head receives, from the representation(s) (or detached copies of them) and the input. */
  taskInput(task: string, reps: readonly Tensor[], x: Tensor): Tensor;
  /** The parameters every task's loss reaches. */
  sharedParameters(): Parameter[];
  /** Task `task`'s own parameters inside the architecture (not its head's). */
  taskParameters(task: string): Parameter[];
}

/** Whether `m` implements Architecture (MMoE does; a plain nn.Module is hard sharing). */
export function isArchitecture(m: unknown): m is Architecture {
  const a = m as Partial<Architecture> | null;
  return typeof a === 'object' && a !== null && typeof a.architecture === 'string' && typeof a.represent === 'function' &&
    typeof a.taskInput === 'function' && typeof a.checkTasks === 'function' && typeof a.addTask === 'function' &&
    typeof a.sharedParameters === 'function' && typeof a.taskParameters === 'function';
}

/** Hard parameter sharing: one trunk (any nn.Module) whose output z every head receives. Serves any tasks. */
export class HardSharing implements Architecture {
  readonly architecture = 'hard';

  constructor(readonly trunk: Module) {
    if (!(trunk instanceof Module)) throw new TypeError('HardSharing: the trunk must be an nn.Module');
  }

  checkTasks(): void {}

  addTask(): void {}

  represent(x: Tensor): Tensor[] {
    return [this.trunk.forward(x) as Tensor];
  }

  taskInput(_task: string, reps: readonly Tensor[]): Tensor {
    return reps[0]!;
  }

  sharedParameters(): Parameter[] {
    return this.trunk.parameters();
  }

  taskParameters(): Parameter[] {
    return [];
  }
}

/** The trunk's architecture: the trunk itself when it implements Architecture, else hard sharing over it. */
export function architectureOf(trunk: Module): Architecture {
  return isArchitecture(trunk) ? trunk : new HardSharing(trunk);
}

/** The representation(s) as one tensor z, and the way back from a (detached) copy of z to what the heads read. */
export interface JoinedRepresentation {
  /** The one representation itself; several flattened and concatenated into [Σ sizes] (in the graph). */
  z: Tensor;
  /** Views of a tensor shaped like z as the representations (the one itself; slices reshaped back). */
  split(z: Tensor): Tensor[];
}

/** Joins the representation(s) (see JoinedRepresentation). Call it inside tidy(): several make intermediates. */
export function joinRepresentations(reps: readonly Tensor[]): JoinedRepresentation {
  if (reps.length === 0) throw new EngineError('MultiTask: the architecture returned no representation');
  if (reps.length === 1) return { z: reps[0]!, split: (z) => [z] };
  const shapes = reps.map((r) => [...r.shape]);
  const sizes = reps.map((r) => r.size);
  const offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
  return {
    z: concat(reps.map((r) => reshape(r, [r.size])), 0),
    split: (z) => shapes.map((shape, i) => reshape(slice(z, 0, offsets[i]!, offsets[i]! + sizes[i]!), shape)),
  };
}

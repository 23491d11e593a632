// MultiTask: one shared trunk, one head per task, one loss per task, and a weighting that turns the task
// losses into the one gradient the trunk receives.
//
//   const mt = new MultiTask({ trunk, heads: { digit, thick, angle }, losses: { digit: crossEntropy, ... },
//                              weighting: weighting.uncertainty(['digit', 'thick', 'angle']) });
//   const out = mt.forward(x);                       // { digit: logits, thick: logit, angle: value }
//   const { total, losses } = mt.loss(out, targets, masks);
//   const step = await mt.backward(x, targets, masks); // the training step's forward + backward
//
// Architecture (architecture.ts): the trunk is any nn.Module (hard sharing: every head reads its output) or a
// module that implements multitask's Architecture interface (MMoE, mmoe.ts: experts, each task mixes them with
// its own softmax gate). MultiTask speaks only that interface, so every weighting works with every
// architecture. Parameter paths are `trunk.…`, `heads.<task>.…` and `weighting.…`, so freezing, parameter
// groups and per-task learning rates are the usual globs (`model.freeze('trunk')`, `model.parameters('heads.angle')`).
//
// Backward: the shared part is back-propagated ONCE per step, whatever the number of tasks.
//   - loss weightings: total = Σ w_t·L_t and one total.backward(); autograd sums the heads' gradients at the
//     representation before running the shared part's rules.
//   - gradient weightings (rep_grad): the heads (with the architecture's task-specific part) run on a detached
//     copy z of the representation(s), each task's loss is back-propagated through its own part alone to give
//     g_t = ∂L_t/∂z, the weighting combines the g_t, and one z.backward(combined) runs through the shared part.
//
// Labels: targets[task] holds the task's labels; masks[task] (optional, one 0/1 entry per sample, host array
// or tensor) marks the samples that have one. Masks and crossEntropy's ignoreIndex are one mechanism, the
// losses' `mask` option (src/nn/losses.ts): a masked sample adds nothing to its task's loss or gradient and
// the mean is over labelled samples. A task whose host mask is all zeros is left out of the step entirely
// (no loss term, no graph through its head), contributes exactly 0, and so its head gets no gradient and the
// optimizer skips it (zeroGrad() sets grads to none).

import { EngineError, ShapeError, fmtShape, Tensor, full, noGrad, tidy } from '../engine/internal.ts';
import { Module, type Parameter } from '../nn/index.ts';
import type { LabelMask } from '../nn/losses.ts';
import { architectureOf, joinRepresentations, type Architecture } from './architecture.ts';
import { equal, isWeighting, type TaskMap, type Weighting } from './weighting.ts';

/** A task loss: the unified signature of the nn losses (crossEntropy, bceWithLogits, mseLoss, ...). */
export type TaskLoss = (output: Tensor, target: Tensor, options: { mask?: LabelMask | null }) => Tensor;

export interface MultiTaskOptions {
  /** The shared part: any nn.Module (hard sharing) or a module implementing Architecture (multitask.MMoE). */
  trunk: Module;
  heads: Record<string, Module>;
  losses: Record<string, TaskLoss>;
  /** Default: equal weights over the heads. */
  weighting?: Weighting;
}

export type TaskTensors = Record<string, Tensor>;
export type TaskMasks = Record<string, LabelMask | null | undefined>;

export interface LossResult {
  /** The weighted total (0-d, in the graph). For gradient weightings (which weight gradients): Σ_t L_t. */
  total: Tensor;
  /** Each task's loss (0-d, in the graph); null for a task with no label in the batch. */
  losses: Record<string, Tensor | null>;
}

export interface StepResult {
  /** The weighted total, detached (0-d). */
  total: Tensor;
  /** Each task's loss, detached (0-d); null for a task with no label in the batch. */
  losses: Record<string, Tensor | null>;
  /** Each head's output, detached. */
  outputs: TaskTensors;
}

/** A plain container for the heads (paths `heads.<task>.…`). */
class TaskHeads extends Module {
  override get typeName(): string { return 'TaskHeads'; }
  forward(): never {
    throw new EngineError('TaskHeads: call MultiTask.forward, which runs each head on the trunk output');
  }
}

function checkTaskRecord(op: string, what: string, rec: unknown): asserts rec is Record<string, unknown> {
  if (rec === null || typeof rec !== 'object' || Array.isArray(rec) || rec instanceof Tensor) {
    throw new TypeError(`${op}: ${what} must be an object keyed by task name, got ${rec === null ? 'null' : Array.isArray(rec) ? 'an array' : typeof rec}`);
  }
}

export class MultiTask extends Module {
  override get typeName(): string { return 'MultiTask'; }
  readonly tasks: string[] = [];
  private readonly lossFns = new Map<string, TaskLoss>();

  constructor(options: MultiTaskOptions) {
    super();
    const op = 'MultiTask';
    if (options === null || typeof options !== 'object') throw new TypeError(`${op}: expected { trunk, heads, losses, weighting? }`);
    if (!(options.trunk instanceof Module)) throw new TypeError(`${op}: trunk must be an nn.Module`);
    checkTaskRecord(op, 'heads', options.heads);
    checkTaskRecord(op, 'losses', options.losses);
    const names = Object.keys(options.heads);
    if (names.length === 0) throw new EngineError(`${op}: needs at least one head`);
    const lossNames = Object.keys(options.losses);
    const missing = names.filter((t) => !lossNames.includes(t));
    const extra = lossNames.filter((t) => !names.includes(t));
    if (missing.length || extra.length) {
      throw new EngineError(`${op}: heads and losses must name the same tasks (heads: ${names.join(', ')}; losses: ${lossNames.join(', ')})`);
    }
    this.registerModule('trunk', options.trunk);
    this.registerModule('heads', new TaskHeads());
    const weighting = options.weighting ?? equal(names);
    if (!isWeighting(weighting)) throw new TypeError(`${op}: weighting must come from multitask.weighting (e.g. weighting.equal(tasks))`);
    architectureOf(options.trunk).checkTasks(names, op);
    for (const t of names) this.addTaskUnchecked(t, options.heads[t]!, options.losses[t]!);
    this.setWeighting(weighting);
  }

  get trunk(): Module {
    return this.getSubmodule('trunk');
  }

  /** How the trunk shares its parameters: the trunk itself when it implements Architecture, else hard sharing. */
  get architecture(): Architecture {
    return architectureOf(this.trunk);
  }

  /** The parameters every task's loss reaches (the trunk's, less task-specific ones such as MMoE's gates). */
  sharedParameters(): Parameter[] {
    return this.architecture.sharedParameters();
  }

  get weighting(): Weighting {
    return this.getSubmodule('weighting') as Weighting;
  }

  head(task: string): Module {
    this.checkTask('head', task);
    return this.getSubmodule(`heads.${task}`);
  }

  /** Replaces the weighting; its task list must match the heads exactly. */
  setWeighting(weighting: Weighting): void {
    const want = [...this.tasks].sort().join(', ');
    const got = [...weighting.tasks].sort().join(', ');
    if (want !== got) {
      throw new EngineError(`MultiTask: weighting ${weighting.method} was given tasks [${weighting.tasks.join(', ')}], `
        + `but the heads are [${this.tasks.join(', ')}]`);
    }
    this.registerModule('weighting', weighting);
  }

  /**
   * Adds a task (e.g. a new head on an already trained, frozen trunk). The current weighting must then be
   * replaced by one that lists the new task too (pass it here).
   */
  addHead(task: string, head: Module, loss: TaskLoss, weighting: Weighting): void {
    if (this.tasks.includes(task)) throw new EngineError(`MultiTask.addHead: task "${task}" already exists`);
    const want = [...this.tasks, task].sort().join(', ');
    if ([...weighting.tasks].sort().join(', ') !== want) {
      throw new EngineError(`MultiTask.addHead: weighting ${weighting.method} was given tasks [${weighting.tasks.join(', ')}], `
        + `expected [${[...this.tasks, task].join(', ')}]`);
    }
    this.architecture.addTask(task);
    this.addTaskUnchecked(task, head, loss);
    this.setWeighting(weighting);
  }

  private addTaskUnchecked(task: string, head: Module, loss: TaskLoss): void {
    if (!(head instanceof Module)) throw new TypeError(`MultiTask: head "${task}" must be an nn.Module`);
    if (typeof loss !== 'function') throw new TypeError(`MultiTask: the loss of task "${task}" must be a function (output, target, { mask }) => Tensor`);
    this.getSubmodule('heads').registerModule(task, head);
    this.tasks.push(task);
    this.lossFns.set(task, loss);
  }

  private checkTask(op: string, task: string): void {
    if (!this.tasks.includes(task)) throw new EngineError(`MultiTask.${op}: no task "${task}" (tasks: ${this.tasks.join(', ')})`);
  }

  /** The shared part's representation(s) (architecture.ts), run once. */
  representations(x: Tensor): Tensor[] {
    return this.architecture.represent(x);
  }

  /** The shared representation z when the architecture has one (hard sharing: the trunk's output; MMoE: the stacked experts). */
  shared(x: Tensor): Tensor {
    const reps = this.representations(x);
    if (reps.length !== 1) {
      for (const r of reps) r.dispose();
      throw new EngineError(`MultiTask.shared: the ${this.architecture.architecture} architecture has ${reps.length} representations; use representations(x)`);
    }
    return reps[0]!;
  }

  /** Task `task`'s output from the representation(s) (and the input x, which MMoE's gates read). */
  taskOutput(task: string, reps: Tensor | readonly Tensor[], x: Tensor): Tensor {
    return tidy(() => {
      const input = this.architecture.taskInput(task, reps instanceof Tensor ? [reps] : reps, x);
      return this.head(task).forward(input) as Tensor;
    });
  }

  /** Every head's output by task name. The trunk runs once. */
  forward(x: Tensor): TaskTensors {
    if (!(x instanceof Tensor)) throw new TypeError(`MultiTask.forward: expected a Tensor input, got ${x === null ? 'null' : typeof x}`);
    return this.forwardTasks(x, this.tasks);
  }

  /** Every head's output; heads of tasks not in `recorded` run without recording a graph. */
  private forwardTasks(x: Tensor, recorded: readonly string[]): TaskTensors {
    return tidy(() => {
      const reps = this.representations(x);
      return Object.fromEntries(this.tasks.map((t) => [t, recorded.includes(t) ? this.taskOutput(t, reps, x) : noGrad(() => this.taskOutput(t, reps, x))]));
    });
  }

  /**
   * Checks targets and masks against the tasks and the batch size `n` (before any GPU work), and returns
   * the tasks with at least one label in the batch.
   */
  checkBatch(op: string, targets: TaskTensors, masks: TaskMasks | undefined, n: number): string[] {
    checkTaskRecord(`MultiTask.${op}`, 'targets', targets);
    for (const t of Object.keys(targets)) this.checkTask(op, t);
    if (masks !== undefined && masks !== null) {
      checkTaskRecord(`MultiTask.${op}`, 'masks', masks);
      for (const t of Object.keys(masks)) this.checkTask(op, t);
    }
    const present: string[] = [];
    for (const t of this.tasks) {
      const target = targets[t];
      const mask = masks?.[t] ?? null;
      if (target === undefined || target === null) {
        throw new EngineError(`MultiTask.${op}: missing target for task "${t}" (give every task a target; mark unlabelled samples with masks.${t})`);
      }
      if (!(target instanceof Tensor)) throw new TypeError(`MultiTask.${op}: the target of task "${t}" must be a Tensor`);
      if (target.rank === 0 || target.shape[0] !== n) {
        throw new ShapeError(`MultiTask.${op}: the target of task "${t}" is ${fmtShape(target.shape)}, expected ${n} samples along dim 0`);
      }
      if (mask === null) {
        present.push(t);
        continue;
      }
      if (mask instanceof Tensor) {
        if (mask.rank !== 1 || mask.shape[0] !== n) {
          throw new ShapeError(`MultiTask.${op}: the mask of task "${t}" is ${fmtShape(mask.shape)}, expected [${n}] (one entry per sample)`);
        }
        present.push(t);
        continue;
      }
      if (typeof (mask as ArrayLike<unknown>).length !== 'number') {
        throw new TypeError(`MultiTask.${op}: the mask of task "${t}" must be a Tensor or an array of 0/1`);
      }
      if (mask.length !== n) throw new ShapeError(`MultiTask.${op}: the mask of task "${t}" has ${mask.length} entries, expected ${n} (one per sample)`);
      let labelled = 0;
      for (let i = 0; i < n; i++) {
        const v = mask[i];
        if (v !== 0 && v !== 1 && v !== true && v !== false) {
          throw new TypeError(`MultiTask.${op}: the mask of task "${t}" must hold 0/1 or booleans, got ${String(v)} at ${i}`);
        }
        if (v === 1 || v === true) labelled++;
      }
      if (labelled > 0) present.push(t);
    }
    return present;
  }

  private taskLoss(task: string, output: Tensor, target: Tensor, masks: TaskMasks | undefined): Tensor {
    const mask = masks?.[task] ?? null;
    return this.lossFns.get(task)!(output, target, mask === null ? {} : { mask });
  }

  /**
   * The weighted total and each task's loss (in the graph). Tasks without any label in the batch are left
   * out (their loss is null, they add exactly 0).
   */
  loss(outputs: TaskTensors, targets: TaskTensors, masks?: TaskMasks): LossResult {
    checkTaskRecord('MultiTask.loss', 'outputs', outputs);
    for (const t of Object.keys(outputs)) this.checkTask('loss', t);
    const first = outputs[this.tasks[0]!];
    if (!(first instanceof Tensor)) throw new EngineError(`MultiTask.loss: missing output for task "${this.tasks[0]}"`);
    const present = this.checkBatch('loss', targets, masks, first.shape[0]!);
    const losses: Record<string, Tensor | null> = Object.fromEntries(this.tasks.map((t) => [t, null]));
    const map: TaskMap<Tensor> = new Map();
    for (const t of present) {
      const out = outputs[t];
      if (!(out instanceof Tensor)) throw new EngineError(`MultiTask.loss: missing output for task "${t}"`);
      const l = this.taskLoss(t, out, targets[t]!, masks);
      losses[t] = l;
      map.set(t, l);
    }
    const total = map.size === 0 ? full([], 0) : this.weighting.gradients === 'none' ? this.weighting.combineLosses(map) : tidy(() => {
      let acc: Tensor | null = null;
      for (const l of map.values()) acc = acc ? acc.add(l) : l.mul(1);
      return acc!;
    });
    return { total, losses };
  }

  /** loss() after the weighting's prepareLosses hook has seen this step's task losses. */
  private async lossPrepared(outputs: TaskTensors, targets: TaskTensors, masks: TaskMasks | undefined, present: string[]): Promise<LossResult> {
    const losses: Record<string, Tensor | null> = Object.fromEntries(this.tasks.map((t) => [t, null]));
    const map: TaskMap<Tensor> = new Map();
    for (const t of present) {
      const l = this.taskLoss(t, outputs[t]!, targets[t]!, masks);
      losses[t] = l;
      map.set(t, l);
    }
    try {
      await this.weighting.prepareLosses(map);
    } catch (e) {
      for (const l of map.values()) l.dispose();
      throw e;
    }
    return { total: this.weighting.combineLosses(map), losses };
  }

  /**
   * One training step's forward and backward: gradients land in the parameters' `.grad` (call the
   * optimizer's step() next, and its zeroGrad() before the following step). The trunk is back-propagated
   * once. Returns the detached total, task losses and head outputs (the caller disposes them, or runs this
   * inside tidy()).
   */
  async backward(x: Tensor, targets: TaskTensors, masks?: TaskMasks): Promise<StepResult> {
    if (!(x instanceof Tensor)) throw new TypeError(`MultiTask.backward: expected a Tensor input, got ${x === null ? 'null' : typeof x}`);
    const present = this.checkBatch('backward', targets, masks, x.shape[0]!);
    const nullLosses: Record<string, Tensor | null> = Object.fromEntries(this.tasks.map((t) => [t, null]));
    if (present.length === 0) {
      const outputs = noGrad(() => this.forwardTasks(x, []));
      return { total: full([], 0), losses: nullLosses, outputs };
    }
    const w = this.weighting;
    if (w.gradients === 'none') {
      const outputs = this.forwardTasks(x, present);
      const { total, losses } = await this.lossPrepared(outputs, targets, masks, present);
      total.backward();
      const result = detachAll(total, losses, outputs);
      w.observe(new Map(present.map((t) => [t, result.losses[t]!])));
      return result;
    }
    // rep_grad: heads on a detached z, per-task gradients at z, one z.backward(combined).
    const { z, split } = tidy(() => joinRepresentations(this.representations(x)));
    const grads: TaskMap<Tensor> = new Map();
    const lossMap: TaskMap<Tensor> = new Map();
    const outputs: TaskTensors = {};
    try {
      for (const t of this.tasks) {
        if (!present.includes(t)) {
          outputs[t] = noGrad(() => tidy(() => this.taskOutput(t, split(z), x)));
          continue;
        }
        const zt = z.detach();
        zt.requiresGrad = z.requiresGrad;
        const out = tidy(() => this.taskOutput(t, split(zt), x));
        const l = this.taskLoss(t, out, targets[t]!, masks);
        const scale = w.lossScale(t);
        const scaled = scale === 1 ? l : l.mul(scale);
        if (scaled.requiresGrad) scaled.backward();
        if (scaled !== l) scaled.dispose();
        // Read g before disposing the output: a head that returns its input (nn.Identity) gives out === zt.
        const g = zt.grad;
        zt.grad = null;
        outputs[t] = out.detach();
        if (out !== zt) out.dispose();
        zt.dispose();
        lossMap.set(t, l.detach());
        l.dispose();
        if (g) grads.set(t, g);
      }
      const total = tidy(() => {
        let acc: Tensor | null = null;
        for (const l of lossMap.values()) acc = acc ? acc.add(l) : l.mul(1);
        return acc!;
      });
      if (z.requiresGrad && grads.size > 0) {
        const combined = await w.combineGradients(grads, lossMap);
        z.backward(combined);
        combined.dispose();
      }
      const losses = { ...nullLosses };
      for (const [t, l] of lossMap) losses[t] = l;
      w.observe(lossMap);
      return { total, losses, outputs };
    } finally {
      for (const g of grads.values()) g.dispose();
      z.dispose();
    }
  }
}

function detachAll(total: Tensor, losses: Record<string, Tensor | null>, outputs: TaskTensors): StepResult {
  const d = (t: Tensor): Tensor => {
    const out = t.detach();
    t.dispose();
    return out;
  };
  return {
    total: d(total),
    losses: Object.fromEntries(Object.entries(losses).map(([k, v]) => [k, v ? d(v) : null])),
    outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, d(v)])),
  };
}

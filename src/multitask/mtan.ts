// MTAN, multi-task attention network (Liu, Johns & Davison, CVPR 2019): a shared backbone of S stages with,
// per task, one soft-attention module per stage that selects task t's features from the shared ones:
//   â_t^1 = σ(att_t^1(p^1)) ⊙ p^1,    â_t^s = σ(att_t^s([p^s, pool(â_t^{s−1})])) ⊙ p^s   (s > 1),
// p^s the backbone's stage-s output, [a, b] concatenation along channels (dim 1), pool an adaptive average
// pool of â_t^{s−1} to p^s's spatial size (rank-4 features whose size changed). The attention module's
// output must have p^s's shape (a mask in (0, 1) after the sigmoid). Simplified from the paper: its shared
// 3×3 "f" block between stages is folded into each task's attention module (so it is task-specific here),
// and the first layer of each stage is not split out (the mask is computed from the stage's output).
// As a MultiTask architecture (architecture.ts): represent(x) = [p^1, …, p^S] (the backbone, run and
// back-propagated once), taskInput(t) = â_t^S (task t's attention chain over the stage outputs);
// sharedParameters = the backbone's, taskParameters(t) = task t's attention modules.
// Paths: `backbone.<s>`, `attention.<task>.<s>`.

import { EngineError, ShapeError, adaptiveAvgPool2d, concat, fmtShape, sigmoid, tidy, type Tensor } from '../engine/internal.ts';
import { Module, type Parameter } from '../nn/index.ts';
import type { Architecture } from './architecture.ts';
import { Container, registerList } from './experts.ts';

export class MTAN extends Module implements Architecture {
  override get typeName(): string { return 'MTAN'; }
  readonly architecture = 'mtan';
  readonly tasks: string[];
  readonly numStages: number;

  constructor(options: { backbone: Module[]; attention: Record<string, Module[]> }) {
    super();
    const op = 'MTAN';
    if (!options) throw new EngineError(`${op}: expected { backbone: [stage modules], attention: { <task>: [one module per stage] } }`);
    registerList(this, 'backbone', options.backbone, op);
    this.numStages = options.backbone.length;
    if (!options.attention || typeof options.attention !== 'object') throw new EngineError(`${op}: attention must be { <task>: [one module per stage] }`);
    this.tasks = Object.keys(options.attention);
    if (this.tasks.length === 0) throw new EngineError(`${op}: needs at least one task's attention modules`);
    const att = this.registerModule('attention', new Container('Attention'));
    for (const t of this.tasks) {
      const mods = options.attention[t];
      if (!Array.isArray(mods) || mods.length !== this.numStages) {
        const got = Array.isArray(mods) ? mods.length : typeof mods;
        throw new EngineError(`${op}: task "${t}" needs ${this.numStages} attention modules (one per stage), got ${got}`);
      }
      registerList(att, t, mods, `${op} attention "${t}"`);
    }
  }

  checkTasks(tasks: readonly string[], op: string): void {
    if ([...tasks].sort().join(',') !== [...this.tasks].sort().join(',')) {
      throw new EngineError(`${op}: the MTAN's attention modules are for tasks [${this.tasks.join(', ')}], but the heads are [${tasks.join(', ')}]`);
    }
  }

  addTask(task: string): void {
    throw new EngineError(`MultiTask.addHead: an MTAN trunk has attention modules per task; build a new MTAN with modules for "${task}"`);
  }

  represent(x: Tensor): Tensor[] {
    const reps: Tensor[] = [];
    let p = x;
    for (const stage of this.getSubmodule('backbone').children()) {
      p = stage.forward(p) as Tensor;
      reps.push(p);
    }
    return reps;
  }

  taskInput(task: string, reps: readonly Tensor[]): Tensor {
    if (!this.tasks.includes(task)) throw new EngineError(`MTAN: no attention modules for task "${task}" (tasks: ${this.tasks.join(', ')})`);
    return tidy(() => {
      let prev: Tensor | null = null;
      reps.forEach((p, s) => {
        let input = p;
        if (prev) {
          const a: Tensor = prev;
          const resized = p.rank === 4 && (a.shape[2] !== p.shape[2] || a.shape[3] !== p.shape[3]);
          const pooled = resized ? adaptiveAvgPool2d(a, [p.shape[2]!, p.shape[3]!]) : a;
          input = concat([p, pooled], 1);
        }
        const mask = this.getSubmodule(`attention.${task}.${s}`).forward(input) as Tensor;
        if (mask.shape.join() !== p.shape.join()) {
          throw new ShapeError(`MTAN: attention "${task}" stage ${s} must output the stage's shape ${fmtShape(p.shape)}, got ${fmtShape(mask.shape)}`);
        }
        prev = sigmoid(mask).mul(p);
      });
      return prev!;
    });
  }

  sharedParameters(): Parameter[] {
    return this.getSubmodule('backbone').parameters();
  }

  taskParameters(task: string): Parameter[] {
    if (!this.tasks.includes(task)) throw new EngineError(`MTAN.taskParameters: no task "${task}" (tasks: ${this.tasks.join(', ')})`);
    return this.getSubmodule(`attention.${task}`).parameters();
  }

  forward(x: Tensor): Tensor {
    throw new EngineError(`MTAN: run it through MultiTask (each task's head reads its attention chain); got input ${fmtShape(x.shape)}`);
  }
}

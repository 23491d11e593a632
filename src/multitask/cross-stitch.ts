// Cross-stitch networks (Misra, Shrivastava, Gupta & Hebert, CVPR 2016): one column (a stack of S stages)
// per task, and after every stage a cross-stitch unit that mixes the columns' activations with learned
// weights:  x̃_t = Σ_u α^s_{tu} · x_u  (α^s a T×T parameter per stage, initialized to `init` on the diagonal
// and (1 − init)/(T − 1) off it, the paper's 0.9 / 0.1 for two tasks). One scalar per pair of tasks and
// stage, as in the paper (LibMTL's variant has one per channel). The mix is one matmul α·[T, rest].
// As a MultiTask architecture (architecture.ts): through the units every parameter is reached by every task,
// so the whole network is the shared part: represent(x) = the T columns' stitched outputs of the last stage,
// one representation per task; taskInput(t) = reps[t]; taskParameters(t) = []. Per-task gradients then live
// on different tensors (task t's loss reaches reps[t] only), so representation-level weightings see
// orthogonal g_t: for them cross-stitch is equal weighting with rescaled tasks (the docs say so).
// Paths: `columns.<task>.<stage>`, `stitch.<stage>` ([T, T], rows: the receiving task, in `tasks` order).

import { EngineError, ShapeError, fmtShape, matmul, reshape, slice, stack, tensor, tidy, type Tensor } from '../engine/internal.ts';
import { Module, type Parameter } from '../nn/index.ts';
import type { Architecture } from './architecture.ts';
import { Container, registerList } from './experts.ts';

export class CrossStitch extends Module implements Architecture {
  override get typeName(): string { return 'CrossStitch'; }
  readonly architecture = 'cross-stitch';
  readonly tasks: string[];
  readonly numStages: number;

  constructor(options: { columns: Record<string, Module[]>; init?: number }) {
    super();
    const op = 'CrossStitch';
    if (!options || !options.columns || typeof options.columns !== 'object') throw new EngineError(`${op}: columns must be { <task>: [stage modules] }`);
    this.tasks = Object.keys(options.columns);
    if (this.tasks.length < 1) throw new EngineError(`${op}: needs at least one task column`);
    const init = options.init ?? 0.9;
    if (!(init >= 0 && init <= 1)) throw new EngineError(`${op}: init must be in [0, 1], got ${init}`);
    const cols = this.registerModule('columns', new Container('Columns'));
    const lengths = this.tasks.map((t) => (Array.isArray(options.columns[t]) ? options.columns[t]!.length : -1));
    if (lengths.some((n) => n !== lengths[0]) || lengths[0]! < 1) {
      throw new EngineError(`${op}: every column needs the same number (≥ 1) of stages, got ${this.tasks.map((t, i) => `${t}: ${lengths[i]}`).join(', ')}`);
    }
    for (const t of this.tasks) registerList(cols, t, options.columns[t], `${op} column "${t}"`);
    this.numStages = lengths[0]!;
    const T = this.tasks.length;
    const off = T > 1 ? (1 - init) / (T - 1) : 0;
    const stitch = this.registerModule('stitch', new Container('Stitches'));
    for (let s = 0; s < this.numStages; s++) {
      const values = Array.from({ length: T * T }, (_, k) => (k % (T + 1) === 0 ? (T > 1 ? init : 1) : off));
      stitch.registerParameter(String(s), tensor(values, [T, T]));
    }
  }

  /** α^s ([T, T]). */
  alpha(stage: number): Parameter {
    return this.getSubmodule('stitch').parameters()[stage]!;
  }

  checkTasks(tasks: readonly string[], op: string): void {
    if ([...tasks].sort().join(',') !== [...this.tasks].sort().join(',')) {
      throw new EngineError(`${op}: the cross-stitch columns are for tasks [${this.tasks.join(', ')}], but the heads are [${tasks.join(', ')}]`);
    }
  }

  addTask(task: string): void {
    throw new EngineError(`MultiTask.addHead: a cross-stitch trunk has one column per task; build a new one with a column for "${task}"`);
  }

  represent(x: Tensor): Tensor[] {
    let xs: Tensor[] = this.tasks.map(() => x);
    for (let s = 0; s < this.numStages; s++) {
      const outs = this.tasks.map((t, i) => this.getSubmodule(`columns.${t}.${s}`).forward(xs[i]!) as Tensor);
      const shape = outs[0]!.shape;
      outs.forEach((o, i) => {
        if (o.shape.join() !== shape.join()) {
          throw new ShapeError(`CrossStitch stage ${s}: column "${this.tasks[i]}" outputs ${fmtShape(o.shape)}, column "${this.tasks[0]}" ${fmtShape(shape)}`);
        }
      });
      const next = tidy(() => {
        const T = this.tasks.length;
        const mixed = matmul(this.alpha(s), reshape(stack(outs, 0), [T, outs[0]!.size]));
        return this.tasks.map((_, i) => reshape(slice(mixed, 0, i, i + 1), shape));
      });
      for (const o of outs) o.dispose();
      if (s > 0) for (const o of xs) o.dispose();
      xs = next;
    }
    return xs;
  }

  taskInput(task: string, reps: readonly Tensor[]): Tensor {
    const i = this.tasks.indexOf(task);
    if (i < 0) throw new EngineError(`CrossStitch: no column for task "${task}" (tasks: ${this.tasks.join(', ')})`);
    return reps[i]!;
  }

  sharedParameters(): Parameter[] {
    return this.parameters();
  }

  taskParameters(): Parameter[] {
    return [];
  }

  forward(x: Tensor): Tensor {
    throw new EngineError(`CrossStitch: run it through MultiTask (one output per task); got input ${fmtShape(x.shape)}`);
  }
}

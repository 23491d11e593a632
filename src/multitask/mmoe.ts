// Multi-gate Mixture-of-Experts (Ma et al., KDD 2018): E expert networks shared by all tasks, and per task a
// gate that turns the input into softmax weights over the experts. Task t's head sees
//   h_t(x) = Σ_e softmax(gate_t(x))_e · expert_e(x).
// As a MultiTask architecture (architecture.ts): the shared part is the experts, represent(x) = [z] with
// z = stack_e expert_e(x), [N, E, D], and task t's head receives mix(t, z, x), its gate being task t's own
// parameters. Gradient weightings (rep_grad) therefore see each task's gradient with respect to the experts'
// outputs, and the experts are back-propagated once. Paths: `experts.<e>.…`, `gates.<task>.…` (under `trunk.`
// in a MultiTask).

import { EngineError, ShapeError, fmtShape, Tensor, matmul, reshape, softmax, stack, tidy, unsqueeze } from '../engine/internal.ts';
import { Module, type Parameter } from '../nn/index.ts';
import type { Architecture } from './architecture.ts';

export interface MMoEOptions {
  /** The experts: each maps the input to [N, D] (the same D for all). */
  experts: Module[];
  /** One gate per task: maps the input to [N, E] logits (e.g. Sequential(Flatten(), Linear(inputs, E))). */
  gates: Record<string, Module>;
}

class Container extends Module {
  constructor(private readonly kind: string) {
    super();
  }
  override get typeName(): string { return this.kind; }
  forward(): never {
    throw new EngineError(`${this.kind}: a container; MMoE runs its members`);
  }
}

export class MMoE extends Module implements Architecture {
  override get typeName(): string { return 'MMoE'; }
  readonly architecture = 'mmoe';
  readonly numExperts: number;
  readonly tasks: string[];

  constructor(options: MMoEOptions) {
    super();
    if (!options || !Array.isArray(options.experts) || options.experts.length < 1) throw new EngineError('MMoE: experts must be a non-empty array of modules');
    if (!options.gates || typeof options.gates !== 'object') throw new EngineError('MMoE: gates must be an object with one gate module per task');
    const experts = this.registerModule('experts', new Container('Experts'));
    options.experts.forEach((e, i) => {
      if (!(e instanceof Module)) throw new TypeError(`MMoE: expert ${i} is not a Module`);
      experts.registerModule(String(i), e);
    });
    const gates = this.registerModule('gates', new Container('Gates'));
    this.tasks = Object.keys(options.gates);
    if (this.tasks.length === 0) throw new EngineError('MMoE: needs at least one gate');
    for (const t of this.tasks) {
      const g = options.gates[t];
      if (!(g instanceof Module)) throw new TypeError(`MMoE: gate "${t}" is not a Module`);
      gates.registerModule(t, g);
    }
    this.numExperts = options.experts.length;
  }

  /** Throws unless the gates are exactly these tasks. */
  checkTasks(tasks: readonly string[], op = 'MMoE'): void {
    if ([...tasks].sort().join(',') !== [...this.tasks].sort().join(',')) {
      throw new EngineError(`${op}: the MMoE's gates are for tasks [${this.tasks.join(', ')}], but the heads are [${tasks.join(', ')}]`);
    }
  }

  /** An MMoE has one gate per task, fixed at construction. */
  addTask(task: string): void {
    throw new EngineError(`MultiTask.addHead: an MMoE trunk has one gate per task; build a new MMoE with a gate for "${task}"`);
  }

  represent(x: Tensor): Tensor[] {
    return [this.forward(x)];
  }

  /** Task `task`'s gated mix of the experts' outputs reps[0] = z. */
  taskInput(task: string, reps: readonly Tensor[], x: Tensor): Tensor {
    return this.mix(task, reps[0]!, x);
  }

  /** The experts' parameters (every task reaches them through its gate). */
  sharedParameters(): Parameter[] {
    return this.getSubmodule('experts').parameters();
  }

  /** Task `task`'s gate. */
  taskParameters(task: string): Parameter[] {
    if (!this.tasks.includes(task)) throw new EngineError(`MMoE.taskParameters: no gate for task "${task}" (tasks: ${this.tasks.join(', ')})`);
    return this.getSubmodule(`gates.${task}`).parameters();
  }

  /** z = [N, E, D]: every expert's output. */
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const outs = this.getSubmodule('experts').children().map((e, i) => {
        const o = e.forward(x) as Tensor;
        if (o.rank !== 2) throw new ShapeError(`MMoE: expert ${i} must output [N, D], got ${fmtShape(o.shape)}`);
        return o;
      });
      const d = outs[0]!.shape[1];
      outs.forEach((o, i) => {
        if (o.shape[1] !== d) throw new ShapeError(`MMoE: expert ${i} outputs ${fmtShape(o.shape)}, expert 0 [N, ${d}]`);
      });
      return stack(outs, 1);
    });
  }

  /** Task `task`'s softmax gate weights, [N, E] (each row sums to 1). */
  gate(task: string, x: Tensor): Tensor {
    if (!this.tasks.includes(task)) throw new EngineError(`MMoE.gate: no gate for task "${task}" (tasks: ${this.tasks.join(', ')})`);
    return tidy(() => {
      const logits = this.getSubmodule(`gates.${task}`).forward(x) as Tensor;
      if (logits.rank !== 2 || logits.shape[1] !== this.numExperts) {
        throw new ShapeError(`MMoE: gate "${task}" must output [N, ${this.numExperts}] logits, got ${fmtShape(logits.shape)}`);
      }
      return softmax(logits, -1);
    });
  }

  /**
   * Σ_e gate_e · z[:, e, :] → [N, D], as one batched matmul [N, 1, E] @ [N, E, D] (its backward is two more;
   * the broadcast-multiply-and-sum form was ~100× slower on SwiftShader because reducing the middle dim of
   * [N, E, D] is slow there).
   */
  mix(task: string, z: Tensor, x: Tensor): Tensor {
    return tidy(() => {
      const g = this.gate(task, x);
      return reshape(matmul(unsqueeze(g, 1), z), [z.shape[0]!, z.shape[2]!]);
    });
  }
}

// CGC and PLE (Tang, Liu, Zhao & Gong, "Progressive Layered Extraction", RecSys 2020): experts that every
// task shares, experts of each task's own, and per task a softmax gate over its own experts and the shared
// ones:  h_t = Σ_e softmax(gate_t(in_t))_e · [shared experts(in_s), task-t experts(in_t)]_e.
//   CGC   one such extraction layer on the input (in_s = in_t = x).
//   PLE   L stacked layers; below the last, a shared branch also has a gate, over the shared experts and
//         every task's experts, whose mix h_s is the next layer's shared input; the next layer's task-t
//         input is h_t.
// As a MultiTask architecture (architecture.ts): everything below the last layer's task parts is reached by
// every task (through the shared gates), and so are the last layer's shared experts, so
//   represent(x)   = [h_t of layer L−1 for each task t (L > 1 only), stack of the last layer's shared experts]
//   taskInput(t)   = task t's gate of the last layer over [shared experts' outputs, task-t experts(h_t)]
//   taskParameters(t) = the last layer's task-t experts and gate; sharedParameters = the rest.
// Paths: `layers.<k>.shared.<i>`, `layers.<k>.task.<t>.<i>`, `layers.<k>.gates.<t>`, `layers.<k>.sharedGate`.

import { EngineError, type Tensor } from '../engine/internal.ts';
import { Module, type Parameter } from '../nn/index.ts';
import type { Architecture } from './architecture.ts';
import { Container, gatedMix, joinExperts, registerList, runExperts } from './experts.ts';

export interface ExtractionLayer {
  /** Experts every task shares: each maps the layer's shared input to [N, D]. */
  shared: Module[];
  /** Each task's own experts: each maps the task's input to [N, D] (the same D as the shared ones). */
  task: Record<string, Module[]>;
  /** Each task's gate: its input → [N, (#shared + #own)] logits. */
  gates: Record<string, Module>;
  /** PLE, every layer but the last: the shared branch's gate, shared input → [N, #shared + Σ_t #own] logits. */
  sharedGate?: Module;
}

export class PLE extends Module implements Architecture {
  override get typeName(): string { return this.architecture === 'cgc' ? 'CGC' : 'PLE'; }
  readonly architecture: string;
  readonly tasks: string[];
  readonly numLayers: number;

  constructor(options: { layers: ExtractionLayer[] }, architecture = 'ple') {
    super();
    const op = architecture === 'cgc' ? 'CGC' : 'PLE';
    this.architecture = architecture;
    if (!options || !Array.isArray(options.layers) || options.layers.length === 0) {
      throw new EngineError(`${op}: layers must be a non-empty array of extraction layers`);
    }
    const layers = this.registerModule('layers', new Container('Layers'));
    const first = options.layers[0]!;
    if (!first.task || typeof first.task !== 'object') throw new EngineError(`${op}: layer 0 needs task: { <task>: [experts] }`);
    this.tasks = Object.keys(first.task);
    if (this.tasks.length === 0) throw new EngineError(`${op}: needs at least one task`);
    options.layers.forEach((layer, k) => {
      const at = `${op} layer ${k}`;
      const l = layers.registerModule(String(k), new Container('ExtractionLayer'));
      registerList(l, 'shared', layer.shared, at);
      const names = Object.keys(layer.task ?? {});
      const gates = Object.keys(layer.gates ?? {});
      if (names.sort().join(',') !== [...this.tasks].sort().join(',') || gates.sort().join(',') !== [...this.tasks].sort().join(',')) {
        throw new EngineError(`${at}: task experts [${names.join(', ')}] and gates [${gates.join(', ')}] must both name the tasks [${this.tasks.join(', ')}]`);
      }
      const task = l.registerModule('task', new Container('TaskExperts'));
      for (const t of this.tasks) registerList(task, t, layer.task[t], `${at} task "${t}"`);
      const g = l.registerModule('gates', new Container('Gates'));
      for (const t of this.tasks) {
        if (!(layer.gates[t] instanceof Module)) throw new TypeError(`${at}: gate "${t}" is not an nn.Module`);
        g.registerModule(t, layer.gates[t]);
      }
      const last = k === options.layers.length - 1;
      if (!last && !(layer.sharedGate instanceof Module)) throw new EngineError(`${at}: every layer but the last needs a sharedGate`);
      if (last && layer.sharedGate !== undefined) throw new EngineError(`${at}: the last layer has no shared branch; drop its sharedGate`);
      if (!last) l.registerModule('sharedGate', layer.sharedGate!);
    });
    this.numLayers = options.layers.length;
  }

  checkTasks(tasks: readonly string[], op: string): void {
    if ([...tasks].sort().join(',') !== [...this.tasks].sort().join(',')) {
      const mine = this.tasks.join(', ');
      throw new EngineError(`${op}: the ${this.typeName}'s experts and gates are for tasks [${mine}], but the heads are [${tasks.join(', ')}]`);
    }
  }

  addTask(task: string): void {
    throw new EngineError(`MultiTask.addHead: a ${this.typeName} trunk has experts and a gate per task; build a new one with "${task}"`);
  }

  private children_(k: number, what: string): Module[] {
    return this.getSubmodule(`layers.${k}.${what}`).children();
  }

  represent(x: Tensor): Tensor[] {
    const op = this.typeName;
    let inS = x;
    let inT: Tensor[] = this.tasks.map(() => x);
    const made: Tensor[] = [];
    for (let k = 0; k < this.numLayers - 1; k++) {
      const S = runExperts(this.children_(k, 'shared'), inS, op);
      const own = this.tasks.map((t, i) => runExperts(this.children_(k, `task.${t}`), inT[i]!, op));
      const nextT = this.tasks.map((t, i) => {
        const z = joinExperts([S, own[i]!]);
        const h = gatedMix(this.getSubmodule(`layers.${k}.gates.${t}`), inT[i]!, z, `${op} layer ${k} gate "${t}"`);
        z.dispose();
        return h;
      });
      const zs = joinExperts([S, ...own]);
      const nextS = gatedMix(this.getSubmodule(`layers.${k}.sharedGate`), inS, zs, `${op} layer ${k} shared gate`);
      for (const t of [zs, S, ...own]) t.dispose();
      made.push(...nextT, nextS);
      inS = nextS;
      inT = nextT;
    }
    const last = runExperts(this.children_(this.numLayers - 1, 'shared'), inS, op);
    const reps = this.numLayers > 1 ? [...inT.map((t) => t), last] : [last];
    for (const t of made) if (!reps.includes(t)) t.dispose();
    return reps;
  }

  taskInput(task: string, reps: readonly Tensor[], x: Tensor): Tensor {
    const i = this.tasks.indexOf(task);
    if (i < 0) throw new EngineError(`${this.typeName}: no experts for task "${task}" (tasks: ${this.tasks.join(', ')})`);
    const k = this.numLayers - 1;
    const input = this.numLayers > 1 ? reps[i]! : x;
    const shared = reps[reps.length - 1]!;
    const own = runExperts(this.children_(k, `task.${task}`), input, this.typeName);
    const z = joinExperts([shared, own]);
    own.dispose();
    const h = gatedMix(this.getSubmodule(`layers.${k}.gates.${task}`), input, z, `${this.typeName} gate "${task}"`);
    z.dispose();
    return h;
  }

  taskParameters(task: string): Parameter[] {
    if (!this.tasks.includes(task)) throw new EngineError(`${this.typeName}.taskParameters: no task "${task}" (tasks: ${this.tasks.join(', ')})`);
    const k = this.numLayers - 1;
    return [...this.getSubmodule(`layers.${k}.task.${task}`).parameters(), ...this.getSubmodule(`layers.${k}.gates.${task}`).parameters()];
  }

  sharedParameters(): Parameter[] {
    const own = new Set(this.tasks.flatMap((t) => this.taskParameters(t)));
    return this.parameters().filter((p) => !own.has(p));
  }

  /** The full forward (no MultiTask): task t's input to its head, by task. */
  forward(x: Tensor): Tensor {
    throw new EngineError(`${this.typeName}: run it through MultiTask (its heads read taskInput per task); got input ${x.shape.join('×')}`);
  }
}

/** CGC: PLE's single extraction layer (paths under `layers.0.`). */
export class CGC extends PLE {
  constructor(options: { shared: Module[]; task: Record<string, Module[]>; gates: Record<string, Module> }) {
    super({ layers: [{ shared: options?.shared, task: options?.task, gates: options?.gates }] }, 'cgc');
  }
}

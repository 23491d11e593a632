// The containers: Sequential, which runs its children in order (folding activations into the layers beside them,
// fusion.ts), and two that hold modules without running them: ModuleList (children '0', '1', ..., like
// PyTorch's nn.ModuleList) and ModuleDict (children under string keys: state-dict keys `heads.age.weight`).
// Their children are registered, so they are trained, saved, frozen and moved with the model; a ModuleList's or
// ModuleDict's `forward` is the owner's job (iterate the list, pick the entry).

import { EngineError, type Tensor } from '../engine/internal.ts';
import { sequentialStep } from './fusion.ts';
import { Module } from './module.ts';

/** Runs its children in order. Children are named '0', '1', ... or by the keys of a record. */
export class Sequential extends Module {
  override get typeName(): string { return 'Sequential'; }

  constructor(...modules: Module[] | [Record<string, Module>]) {
    super();
    const first = modules[0];
    if (modules.length === 1 && first && !(first instanceof Module) && typeof first === 'object') {
      for (const [name, m] of Object.entries(first)) this.registerModule(name, m);
    } else {
      (modules as Module[]).forEach((m, i) => {
        if (!(m instanceof Module)) throw new TypeError(`Sequential: argument ${i} is not a Module`);
        this.registerModule(String(i), m);
      });
    }
  }

  get length(): number {
    return this.children().length;
  }

  /** The i-th child (negative counts from the end). */
  at(i: number): Module {
    const kids = this.children();
    const m = kids[i < 0 ? kids.length + i : i];
    if (!m) throw new EngineError(`${this.label()}: index ${i} is out of range for ${kids.length} modules`);
    return m;
  }

  /** Appends a module under the next index. */
  append(module: Module): this {
    this.registerModule(String(this.length), module);
    return this;
  }

  /**
   * Runs the children in order, folding an activation into the layer beside it where that layer declares it
   * can (fusion.ts: Linear → ReLU as linearAct, Conv2d → ReLU / ReLU6 as conv2dAct, BatchNorm2d / BatchNorm1d →
   * ReLU / ReLU6 in the normalization kernel, ReLU → MaxPool2d as reluMaxPool2d, which wins over the layer
   * before the ReLU): same values, gradients and NaN behaviour, fewer passes. Every other child runs its own
   * forward.
   */
  forward(x: Tensor): Tensor {
    let y = x;
    const kids = this.children();
    for (let i = 0; i < kids.length;) {
      const step = sequentialStep(kids, i);
      let next: Tensor;
      try {
        next = step.run(y);
      } catch (e) {
        if (y !== x) y.dispose(); // the previous child's output: nobody else holds it
        throw e;
      }
      i += step.span;
      if (y !== x && next !== y) y.dispose();
      y = next;
    }
    return y;
  }
}

/** A list of registered modules: `this.layers = new nn.ModuleList([a, b])` gives keys `layers.0.*`, `layers.1.*`. */
export class ModuleList extends Module implements Iterable<Module> {
  override get typeName(): string { return 'ModuleList'; }

  constructor(modules: Iterable<Module> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  get length(): number {
    return this.children().length;
  }

  /** The i-th module (negative counts from the end). */
  at(i: number): Module {
    const kids = this.children();
    const m = Number.isInteger(i) ? kids[i < 0 ? kids.length + i : i] : undefined;
    if (!m) throw new EngineError(`${this.label()}: index ${i} is out of range for ${kids.length} modules`);
    return m;
  }

  /** Appends a module under the next index. */
  append(module: Module): this {
    if (!(module instanceof Module)) throw new TypeError(`${this.label()}: append expects a Module, got ${module === null ? 'null' : typeof module}`);
    this.registerModule(String(this.length), module);
    return this;
  }

  extend(modules: Iterable<Module>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.children()[Symbol.iterator]();
  }

  forward(): never {
    throw new EngineError(`${this.label()}: a ModuleList has no forward; iterate it in the owner's forward (for (const layer of this.layers) ...)`);
  }
}

/** Modules under string keys: `this.heads = new nn.ModuleDict({ age: ..., gender: ... })` gives `heads.age.*`. */
export class ModuleDict extends Module {
  override get typeName(): string { return 'ModuleDict'; }

  constructor(modules: Record<string, Module> | Iterable<[string, Module]> = {}) {
    super();
    const entries = Symbol.iterator in Object(modules) ? [...(modules as Iterable<[string, Module]>)] : Object.entries(modules);
    for (const [k, m] of entries) this.set(k, m);
  }

  get size(): number {
    return this.children().length;
  }

  /** The module under `key`; an error naming the keys when there is none. */
  get(key: string): Module {
    const m = this.namedChildren().find(([k]) => k === key)?.[1];
    if (!m) throw new EngineError(`${this.label()}: no module "${key}" (keys: ${this.keys().join(', ') || 'none'})`);
    return m;
  }

  has(key: string): boolean {
    return this.namedChildren().some(([k]) => k === key);
  }

  /** Adds or replaces the module under `key` (a name without dots). */
  set(key: string, module: Module): this {
    if (!(module instanceof Module)) throw new TypeError(`${this.label()}: "${key}" must be a Module, got ${module === null ? 'null' : typeof module}`);
    this.registerModule(key, module);
    return this;
  }

  keys(): string[] {
    return this.namedChildren().map(([k]) => k);
  }

  values(): Module[] {
    return this.children();
  }

  entries(): Array<[string, Module]> {
    return this.namedChildren();
  }

  forward(): never {
    throw new EngineError(`${this.label()}: a ModuleDict has no forward; pick an entry in the owner's forward (this.heads.get('age').forward(x))`);
  }
}

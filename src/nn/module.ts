// Module: a tree of named parameters, buffers and child modules, with PyTorch's naming. A parameter's dotted
// path (`trunk.0.weight`) is the same string as the key PyTorch's state_dict uses for the same structure.
//
// Registration works as in PyTorch: a Module or Parameter assigned as a property (a class field or
// `this.head = ...` in the constructor or later) is registered under the property's name, in assignment order,
// and assigning again replaces it:
//
//   class Net extends nn.Module {
//     trunk = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU());
//     head = new nn.Linear(8, 3);
//     forward(x: Tensor): Tensor { return this.head.forward(this.trunk.forward(x)); }
//   }
//
// How: Module's constructor returns a Proxy of the instance with one trap, defineProperty, which both a class
// field (define semantics) and an assignment (`this.x = v` ends in [[DefineOwnProperty]]) go through. Reads
// have no trap: no measurable slowdown of a forward pass (bench/results/2026-12-01-module-proxy.md). The
// explicit form `head = this.registerModule('head', m)` keeps working and registers once.
//
// What an assigned value does:
//   - a Module → registerModule, a Parameter → registerParameter. Unlike PyTorch, a new name for a module or
//     parameter already in this tree (`this.last = this.features.at(-1)`) is only a reference: it keeps its
//     path and is not listed twice.
//   - a plain Tensor → a plain property, NOT registered (as in PyTorch: not trained, not in the state dict;
//     use registerBuffer or `new nn.Parameter(t)`); on a registered buffer's name it replaces the buffer.
//   - null on a registered name clears it (a child module is removed).
//   - errors, each saying how to register: a plain Tensor or another value on a parameter's name, a
//     non-Module on a child's name, an array or object literal holding modules or parameters that are not
//     registered (use nn.Sequential).
//
// Order: parameters, then buffers, then children, each in registration order, recursively: the order of
// PyTorch's state_dict and named_parameters(). A shared parameter is listed once, under its first path.
//
// Freezing (`freeze(glob)`, `unfreeze(glob)`, or `param.requiresGrad = false`): a frozen parameter gets no
// gradient, no gradient buffer in an optimizer and no weight-gradient kernel; layers whose inputs and
// parameters all need no gradient record no backward at all (autograd only records ops with an input that
// requires grad). Globs match whole dotted segments, see glob.ts.
//
// BatchNorm inside a frozen trunk: freezing only stops gradients for BatchNorm's weight and bias. In train()
// mode it still normalizes with the statistics of the current batch and keeps updating running_mean,
// running_var and num_batches_tracked, exactly as PyTorch does. For the usual fine-tuning practice pass
// `{ batchNorm: 'eval' }`: the BatchNorm layers under the glob are then held in eval mode (running
// statistics, no updates) even when the model is put in train() mode, until `unfreeze` is called on them.

import {
  DTypeError, DisposedError, EngineError, ShapeError, fmtShape, Tensor, checkOptions, copyInto, keep, noGrad, upload, clone,
} from '../engine/internal.ts';
import { globMatches, showGlob, type PathGlob } from './glob.ts';
import { Parameter } from './parameter.ts';
import type { HostTensor } from './safetensors.ts';

/** What `loadStateDict` accepts per key: a tensor on the GPU or host data (e.g. read from .safetensors). */
export type StateValue = Tensor | HostTensor;
export type StateSource = Map<string, StateValue> | Record<string, StateValue>;

export interface LoadStateDictOptions {
  /**
   * true (default): every key of the model must be in the source and the source may have no other keys.
   * false: missing and unexpected keys are allowed and reported in the result. Shape or dtype mismatches are
   * errors either way (PyTorch does the same).
   */
  strict?: boolean;
}

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** A state dict that does not fit the model. The message lists every problem; the fields hold them too. */
export class StateDictError extends EngineError {
  override name = 'StateDictError';
  constructor(
    message: string,
    readonly missingKeys: string[],
    readonly unexpectedKeys: string[],
    readonly mismatchedKeys: string[],
  ) {
    super(message);
  }
}

export interface FreezeOptions {
  /**
   * 'eval': hold the BatchNorm layers under the glob in eval mode (use running statistics, never update them)
   * even while the model is in train() mode. 'train' (default): leave them alone; they follow train()/eval().
   */
  batchNorm?: 'eval' | 'train';
}

interface BufferEntry {
  tensor: Tensor | null;
  persistent: boolean;
}

function joinPath(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

function checkName(kind: string, name: string): void {
  if (typeof name !== 'string' || name === '' || name.includes('.')) {
    throw new EngineError(`${kind}: a name must be a non-empty string without dots, got ${JSON.stringify(name)}`);
  }
}

function describeValue(v: StateValue): string {
  return `${fmtShape(v.shape)} ${v.dtype}`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export abstract class Module {
  constructor() {
    const proxy: Module = new Proxy(this, {
      defineProperty(target, key, descriptor): boolean {
        if (typeof key === 'string' && 'value' in descriptor) proxy.registerAssigned(key, descriptor.value);
        return Reflect.defineProperty(target, key, descriptor);
      },
    });
    return proxy;
  }

  /** Train mode (batch statistics in BatchNorm, active Dropout). Change it with train() / eval(). */
  training = true;
  private readonly paramMap = new Map<string, Parameter | null>();
  private readonly bufferMap = new Map<string, BufferEntry>();
  private readonly moduleMap = new Map<string, Module>();
  private modulePath = '';
  /** Set on layers held in eval mode by `freeze(glob, { batchNorm: 'eval' })`. */
  protected evalLocked = false;

  /** The layer's type name in messages (`Linear`); class names do not survive minification, so layers set it. */
  get typeName(): string {
    return this.constructor.name;
  }

  /** Dotted path from the root module ('' for the root). */
  get path(): string {
    return this.modulePath;
  }

  /** The computation. Layers take one tensor; custom modules may take anything. */
  abstract forward(...args: any[]): any; // eslint-disable-line @typescript-eslint/no-explicit-any

  // ---------------------------------------------------------------- registration

  /** Adds (or replaces) a parameter. A Tensor that is not a Parameter is wrapped (sharing its memory). */
  registerParameter(name: string, value: Parameter | Tensor | null): Parameter | null {
    checkName('registerParameter', name);
    if (this.moduleMap.has(name) || this.bufferMap.has(name)) {
      throw new EngineError(`registerParameter: "${name}" is already a ${this.moduleMap.has(name) ? 'module' : 'buffer'} of ${this.label()}`);
    }
    const p = value === null ? null : value instanceof Parameter ? value : new Parameter(value);
    if (p) p.name = joinPath(this.modulePath, name);
    const old = this.paramMap.get(name);
    this.paramMap.set(name, p);
    this.syncField(name, old, p);
    return p;
  }

  /**
   * Adds (or replaces) a buffer: state that is not trained (BatchNorm's running statistics). Persistent
   * buffers are part of the state dict. The module owns the tensor from now on (it survives tidy()).
   */
  registerBuffer(name: string, value: Tensor | null, persistent = true): Tensor | null {
    checkName('registerBuffer', name);
    if (this.moduleMap.has(name) || this.paramMap.has(name)) {
      throw new EngineError(`registerBuffer: "${name}" is already a ${this.moduleMap.has(name) ? 'module' : 'parameter'} of ${this.label()}`);
    }
    if (value) {
      keep(value);
      value.name = joinPath(this.modulePath, name);
    }
    const old = this.bufferMap.get(name)?.tensor;
    this.bufferMap.set(name, { tensor: value, persistent });
    this.syncField(name, old, value);
    return value;
  }

  /** Adds (or replaces) a child module. Returns the child, so `head = this.registerModule('head', ...)` works. */
  registerModule<M extends Module>(name: string, module: M): M {
    checkName('registerModule', name);
    if (!(module instanceof Module)) throw new TypeError(`registerModule: "${name}" must be a Module`);
    if (this.paramMap.has(name) || this.bufferMap.has(name)) {
      throw new EngineError(`registerModule: "${name}" is already a ${this.paramMap.has(name) ? 'parameter' : 'buffer'} of ${this.label()}`);
    }
    if (module === (this as Module) || [...module.namedModules()].some(([, m]) => m === (this as Module))) {
      throw new EngineError(`registerModule: "${name}" would make a cycle`);
    }
    const old = this.moduleMap.get(name);
    this.moduleMap.set(name, module);
    module.setPath(joinPath(this.modulePath, name));
    this.syncField(name, old, module);
    return module;
  }

  /**
   * Registers a value assigned as a property (called by the constructor's Proxy, see the header). Cheap for
   * the common writes (numbers, strings, booleans, values registered already under the same name).
   */
  private registerAssigned(name: string, value: unknown): void {
    const isParam = this.paramMap.has(name);
    const isBuffer = this.bufferMap.has(name);
    const isChild = this.moduleMap.has(name);
    if (value instanceof Module) {
      if (this.moduleMap.get(name) === value) return;
      if (!isChild && this.modules().includes(value)) return; // a reference to a module of this tree
      this.registerModule(name, value);
    } else if (value instanceof Parameter) {
      if (this.paramMap.get(name) === value) return;
      if (!isParam && this.parameters().includes(value)) return; // a reference to a parameter of this tree
      this.registerParameter(name, value);
    } else if (value === undefined) {
      // A declared field without an initializer (define semantics): nothing to register or clear.
    } else if (value === null) {
      if (isParam && this.paramMap.get(name) !== null) this.registerParameter(name, null);
      if (isBuffer && this.bufferMap.get(name)!.tensor !== null) this.registerBuffer(name, null, this.bufferMap.get(name)!.persistent);
      if (isChild) this.moduleMap.delete(name);
    } else if (isParam) {
      const what = value instanceof Tensor ? `a plain Tensor (${value.describe()})` : `a ${typeof value}`;
      throw new EngineError(
        `${this.label()}: cannot assign ${what} to parameter "${name}": assign a Parameter (this.${name} = new nn.Parameter(t)), null, ` +
          `or use registerBuffer('${name}', t) for state that is not trained`,
      );
    } else if (isBuffer) {
      if (!(value instanceof Tensor)) throw new EngineError(`${this.label()}: cannot assign a ${typeof value} to buffer "${name}": assign a Tensor or null`);
      if (this.bufferMap.get(name)!.tensor !== value) this.registerBuffer(name, value, this.bufferMap.get(name)!.persistent);
    } else if (isChild) {
      throw new EngineError(`${this.label()}: cannot assign a ${typeof value} to child module "${name}": assign a Module or null`);
    } else if (typeof value === 'object' && (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype)) {
      this.checkContainer(name, value as object);
    }
  }

  /** An array or object literal of modules/parameters is not registered: an error unless all are registered already. */
  private checkContainer(name: string, value: object): void {
    const items = Object.values(value);
    if (!items.some((v) => v instanceof Module || v instanceof Parameter)) return;
    const modules = new Set(this.modules());
    const params = new Set(this.parameters());
    const stray = items.some((v) => (v instanceof Module && !modules.has(v)) || (v instanceof Parameter && !params.has(v)));
    if (!stray) return; // references to registered children (e.g. a list kept for iteration)
    throw new EngineError(
      `${this.label()}: "${name}" is ${Array.isArray(value) ? 'an array' : 'an object'} holding modules or parameters, which are not registered ` +
      `(they would not be trained, saved or moved): use a container module (this.${name} = new nn.Sequential(...)), or register each one ` +
      `(this.registerModule('${name}_0', m), this.registerParameter(...))`,
    );
  }

  /**
   * Keeps a same-named own property (a field set from registerX's return value) pointing at the new value.
   * Runs after the map holds `value`, so the Proxy's trap sees it registered and does nothing more.
   */
  private syncField(name: string, old: unknown, value: unknown): void {
    if (old === undefined) return;
    const self = this as unknown as Record<string, unknown>;
    if (Object.hasOwn(self, name) && self[name] === old) self[name] = value;
  }

  /** Internal: re-roots this subtree at `path` (called when the module becomes someone's child). */
  setPath(path: string): void {
    this.modulePath = path;
    for (const [n, p] of this.paramMap) if (p) p.name = joinPath(path, n);
    for (const [n, b] of this.bufferMap) if (b.tensor) b.tensor.name = joinPath(path, n);
    for (const [n, m] of this.moduleMap) m.setPath(joinPath(path, n));
  }

  /** The parameter registered as `name` on this module (not its children). */
  protected param(name: string): Parameter | null {
    return this.paramMap.get(name) ?? null;
  }

  protected buffer(name: string): Tensor | null {
    return this.bufferMap.get(name)?.tensor ?? null;
  }

  // ---------------------------------------------------------------- traversal

  /** [name, child] for the direct children, in registration order. */
  namedChildren(): Array<[string, Module]> {
    return [...this.moduleMap];
  }

  children(): Module[] {
    return [...this.moduleMap.values()];
  }

  /** [path, module] for this module ('') and every descendant, depth first, each module once. */
  namedModules(prefix = ''): Array<[string, Module]> {
    const out: Array<[string, Module]> = [];
    const seen = new Set<Module>();
    const walk = (m: Module, path: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([path, m]);
      for (const [n, c] of m.moduleMap) walk(c, joinPath(path, n));
    };
    walk(this, prefix);
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** [path, parameter] pairs in PyTorch's order, paths relative to this module. `glob` filters by path. */
  namedParameters(glob?: PathGlob): Array<[string, Parameter]> {
    const out: Array<[string, Parameter]> = [];
    const seen = new Set<Parameter>();
    for (const [mpath, m] of this.namedModules()) {
      for (const [n, p] of m.paramMap) {
        if (!p || seen.has(p)) continue;
        seen.add(p);
        const path = joinPath(mpath, n);
        if (glob === undefined || globMatches(glob, path)) out.push([path, p]);
      }
    }
    return out;
  }

  /** The parameters (optionally those whose path matches `glob`), in PyTorch's order. */
  parameters(glob?: PathGlob): Parameter[] {
    return this.namedParameters(glob).map(([, p]) => p);
  }

  /** [path, buffer] pairs (all buffers, persistent or not). */
  namedBuffers(): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    for (const [mpath, m] of this.namedModules()) {
      for (const [n, b] of m.bufferMap) if (b.tensor) out.push([joinPath(mpath, n), b.tensor]);
    }
    return out;
  }

  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /** The module at dotted `path` below this one ('' is this module). */
  getSubmodule(path: string): Module {
    if (path === '') return this;
    let m: Module = this;
    for (const seg of path.split('.')) {
      const c = m.moduleMap.get(seg);
      if (!c) throw new EngineError(`getSubmodule: ${m.label()} has no child "${seg}" (children: ${[...m.moduleMap.keys()].join(', ') || 'none'})`);
      m = c;
    }
    return m;
  }

  /**
   * Replaces the module at dotted `path` (e.g. a new head: `model.setSubmodule('classifier.2', new Linear(72, 5))`)
   * and returns the module it replaced, which the caller may dispose.
   */
  setSubmodule(path: string, module: Module): Module {
    const at = path.lastIndexOf('.');
    const parent = this.getSubmodule(at < 0 ? '' : path.slice(0, at));
    const name = path.slice(at + 1);
    const old = parent.moduleMap.get(name);
    if (!old) throw new EngineError(`setSubmodule: ${parent.label()} has no child "${name}"`);
    parent.registerModule(name, module);
    module.train(parent.training);
    return old;
  }

  /** Calls `fn` on every module of the tree (children first, like PyTorch's apply). */
  apply(fn: (m: Module) => void): this {
    for (const c of this.moduleMap.values()) c.apply(fn);
    fn(this);
    return this;
  }

  // ---------------------------------------------------------------- modes and freezing

  /** Sets train mode on the whole tree (layers held by `freeze(..., { batchNorm: 'eval' })` stay in eval). */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode && !m.evalLocked;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /**
   * Stops gradients for the parameters whose path matches `glob` (all of them when omitted): requiresGrad
   * becomes false and any gradient is dropped. Returns the frozen paths. A glob that matches nothing is an
   * error (a typo would otherwise silently train everything).
   */
  freeze(glob?: PathGlob, options: FreezeOptions = {}): string[] {
    checkOptions('freeze', options, ['batchNorm']);
    if (options.batchNorm !== undefined && options.batchNorm !== 'eval' && options.batchNorm !== 'train') {
      throw new EngineError(`freeze: batchNorm must be 'eval' or 'train', got ${JSON.stringify(options.batchNorm)}`);
    }
    const selected = this.selectParameters('freeze', glob);
    for (const [, p] of selected) {
      p.requiresGrad = false;
      const g = p.grad;
      p.grad = null;
      g?.dispose();
    }
    if (options.batchNorm === 'eval') {
      for (const [path, m] of this.namedModules()) {
        if (!m.isBatchNorm() || (glob !== undefined && !globMatches(glob, path))) continue;
        m.evalLocked = true;
        m.training = false;
      }
    }
    return selected.map(([path]) => path);
  }

  /** Lets gradients flow again for the parameters under `glob` and releases BatchNorm layers held in eval. */
  unfreeze(glob?: PathGlob): string[] {
    const selected = this.selectParameters('unfreeze', glob);
    for (const [, p] of selected) p.requiresGrad = true;
    for (const [path, m] of this.namedModules()) {
      if (!m.evalLocked || (glob !== undefined && !globMatches(glob, path))) continue;
      m.evalLocked = false;
      m.training = this.training;
    }
    return selected.map(([path]) => path);
  }

  private selectParameters(op: string, glob: PathGlob | undefined): Array<[string, Parameter]> {
    const all = this.namedParameters();
    if (glob === undefined) return all;
    const selected = all.filter(([path]) => globMatches(glob, path));
    if (selected.length === 0) {
      const paths = all.map(([p]) => p);
      const shown = paths.slice(0, 12).join(', ') + (paths.length > 12 ? ', …' : '');
      throw new EngineError(`${op}: ${showGlob(glob)} matches no parameter of ${this.label()} (parameters: ${shown || 'none'})`);
    }
    return selected;
  }

  /** Whether `freeze(..., { batchNorm: 'eval' })` holds this layer in eval mode (checkpoints store it). */
  get heldInEval(): boolean {
    return this.evalLocked;
  }

  /** Holds this one layer in eval mode or releases it (what freeze / unfreeze do; loadCheckpoint restores it). */
  setHeldInEval(held: boolean): void {
    this.evalLocked = held;
    if (held) this.training = false;
  }

  /** Whether this layer normalizes with batch statistics in train mode (overridden by BatchNorm). */
  isBatchNorm(): boolean {
    return false;
  }

  // ---------------------------------------------------------------- state dict

  /**
   * Parameters and persistent buffers by dotted key, in PyTorch's order. The values are the module's own
   * tensors (not copies): read them, do not dispose them.
   */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    const seen = new Set<Tensor>();
    for (const [mpath, m] of this.namedModules()) {
      for (const [n, p] of m.paramMap) {
        if (p && !seen.has(p)) {
          seen.add(p);
          out.set(joinPath(mpath, n), p);
        }
      }
      for (const [n, b] of m.bufferMap) {
        if (b.tensor && b.persistent) out.set(joinPath(mpath, n), b.tensor);
      }
    }
    return out;
  }

  /**
   * Copies values into the module's parameters and buffers (in place: optimizers built on the model keep
   * working). Everything is checked before anything is written; a problem throws a StateDictError that lists
   * every missing, unexpected and mis-shaped key.
   */
  loadStateDict(source: StateSource, options: LoadStateDictOptions = {}): LoadStateDictResult {
    checkOptions('loadStateDict', options, ['strict']);
    const strict = options.strict ?? true;
    const entries = source instanceof Map ? [...source] : Object.entries(source);
    const given = new Map<string, StateValue>(entries);
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !given.has(k));
    const unexpected = [...given.keys()].filter((k) => !own.has(k));
    const mismatched: string[] = [];
    const problems: string[] = [];
    for (const [k, t] of own) {
      const v = given.get(k);
      if (v === undefined) continue;
      if (!(v instanceof Tensor) && !(v && typeof v === 'object' && Array.isArray(v.shape) && ArrayBuffer.isView(v.data))) {
        mismatched.push(k);
        problems.push(`  "${k}": expected a Tensor or { dtype, shape, data }, got ${typeof v}`);
        continue;
      }
      if (v instanceof Tensor && v.isDisposed) {
        mismatched.push(k);
        problems.push(`  "${k}": the source tensor was disposed`);
        continue;
      }
      if (!sameShape(v.shape, t.shape) || v.dtype !== t.dtype) {
        mismatched.push(k);
        problems.push(`  "${k}": checkpoint ${describeValue(v)}, model ${fmtShape(t.shape)} ${t.dtype}`);
      } else if (!(v instanceof Tensor) && v.data.length !== t.size) {
        mismatched.push(k);
        problems.push(`  "${k}": host data has ${v.data.length} values, its shape ${fmtShape(v.shape)} needs ${t.size}`);
      } else if (!(v instanceof Tensor) && v.dtype === 'int32' && !(v.data instanceof Int32Array)) {
        // Float32Array data for an int32 entry: each value must be an integer an int32 holds (PyTorch refuses overflow).
        const bad = Array.from(v.data).findIndex((x) => !Number.isInteger(x) || x < -(2 ** 31) || x > 2 ** 31 - 1);
        if (bad >= 0) {
          mismatched.push(k);
          problems.push(`  "${k}": int32 host value ${v.data[bad]} at index ${bad} is not an integer an int32 holds`);
        }
      }
    }
    const list = (keys: string[], from: Map<string, StateValue> | Map<string, Tensor>): string =>
      keys.map((k) => `"${k}" ${fmtShape(from.get(k)!.shape)}`).join(', ');
    const lines: string[] = [];
    if (strict && missing.length) lines.push(`  missing keys (${missing.length}): ${list(missing, own)}`);
    if (strict && unexpected.length) lines.push(`  unexpected keys (${unexpected.length}): ${list(unexpected, given)}`);
    if (mismatched.length) lines.push(`  mismatched shapes or dtypes (${mismatched.length}):`, ...problems);
    if (lines.length) {
      const hint = strict && !mismatched.length ? '\n  (pass { strict: false } to load the keys that match and skip the rest)' : '';
      throw new StateDictError(`loadStateDict: the state dict does not fit ${this.label()}:\n${lines.join('\n')}${hint}`, missing, unexpected, mismatched);
    }
    noGrad(() => {
      for (const [k, t] of own) {
        const v = given.get(k);
        if (v !== undefined) writeInto(t, v);
      }
    });
    return { missingKeys: missing, unexpectedKeys: unexpected };
  }

  // ---------------------------------------------------------------- lifetime and messages

  /** Releases every parameter and buffer of the tree (and their gradients). */
  dispose(): void {
    for (const [, m] of this.namedModules()) {
      for (const p of m.paramMap.values()) p?.dispose();
      for (const b of m.bufferMap.values()) b.tensor?.dispose();
    }
  }

  /** `Linear "head"` (or just `Linear` for a root module): how messages name this layer. */
  label(): string {
    return this.modulePath ? `${this.typeName} "${this.modulePath}"` : this.typeName;
  }

  /** Throws the error layers give for a bad input: `Linear "head": expected input [..., 6], got [4,5]`. */
  protected badInput(expected: string, x: Tensor, why = ''): never {
    throw new ShapeError(`${this.label()}: expected input ${expected}, got ${fmtShape(x.shape)}${why ? ` (${why})` : ''}`);
  }

  /** Checks that `x` is a live float32 tensor before any GPU work. */
  protected checkInput(x: unknown): asserts x is Tensor {
    if (!(x instanceof Tensor)) throw new TypeError(`${this.label()}: expected a Tensor input, got ${x === null ? 'null' : typeof x}`);
    if (x.isDisposed) throw new DisposedError(`${this.label()}: the input was disposed`);
    if (x.dtype !== 'float32') throw new DTypeError(`${this.label()}: expected a float32 input, got ${x.describe()}`);
  }

  toString(): string {
    const lines = [`${this.typeName}(${this.extraRepr()}`];
    const kids = [...this.moduleMap];
    if (kids.length === 0) return `${lines[0]})`;
    for (const [n, m] of kids) lines.push(`  (${n}): ${m.toString().split('\n').join('\n  ')}`);
    return `${lines.join('\n')}\n)`;
  }

  /** The constructor arguments shown by toString(). */
  protected extraRepr(): string {
    return '';
  }
}

/** dst ← v, in place (v checked to have dst's shape and dtype). */
function writeInto(dst: Tensor, v: StateValue): void {
  if (v instanceof Tensor) {
    if (v === dst) return;
    if (v.storage.buffer === dst.storage.buffer) {
      if (v.storage.offset === dst.storage.offset) return; // the same memory
      const c = clone(v);
      copyInto(dst, c);
      c.dispose();
      return;
    }
    copyInto(dst, v);
    return;
  }
  const data = v.dtype === 'int32' ? Int32Array.from(v.data) : Float32Array.from(v.data);
  const tmp = upload(data, v.shape, v.dtype);
  copyInto(dst, tmp);
  tmp.dispose();
}

// An optimizer's state as host data (PyTorch's optimizer.state_dict() / load_state_dict()): per parameter its
// step count and state tensors, per group its hyperparameters. Kept apart from the update logic: it reads the
// state through the flat layout's views and the parking lot, and restores it by parking every saved state and
// letting the optimizer relayout, which gives each parameter its saved step count and state.

import { EngineError, checkOptions, emptyTensor, fillInPlace, keep, noGrad, upload, type Tensor } from '../../engine/internal.ts';
import type { HostTensor } from '../safetensors.ts';
import type { FlatLayout } from './flat-layout.ts';
import type { ParamGroup } from './params.ts';
import type { ParamStates } from './state.ts';

/**
 * One parameter's optimizer state as host data (PyTorch's `optimizer.state_dict()['state'][i]`): its step
 * count and its state tensors (SGD: momentumBuffer; Adam/AdamW: expAvg, expAvgSq).
 */
export interface ParamStateDict {
  step: number;
  [buffer: string]: number | HostTensor;
}

/**
 * An optimizer's state (`await opt.stateDict()`), in PyTorch's structure: `state` by parameter key (the
 * parameter's dotted name, `trunk.0.weight`, or its index over all groups when it has no unique name);
 * parameters that never stepped have no entry. `paramGroups` holds each group's hyperparameters and the
 * keys of its parameters. Plain data: JSON-safe except the state tensors' typed arrays.
 */
export interface OptimizerStateDict {
  state: Record<string, ParamStateDict>;
  paramGroups: Array<Record<string, unknown> & { params: string[] }>;
}

/** What reading and restoring a state needs of an optimizer. */
export interface StateDictHost<H> {
  /** 'SGD', 'Adam', ... for messages. */
  name: string;
  paramGroups: Array<ParamGroup<H>>;
  /** The hyperparameter keys a group may hold (the optimizer's defaults). */
  hyperKeys: string[];
  validateGroup(group: ParamGroup<H>, index: number): void;
  /** The state buffers' names, in flat-buffer order, and how many the current groups use. */
  stateNames: string[];
  stateCount: number;
  layout: FlatLayout;
  states: ParamStates;
  /** Rebuilds the flat layout for the trainable parameters (taking their state from the parking lot). */
  relayout(): void;
}

/** Each parameter's key in a state dict: its dotted name when unique among the optimizer's, else its index. */
function stateKeys<H>(groups: Array<ParamGroup<H>>): Map<Tensor, string> {
  const all = groups.flatMap((g) => g.params);
  const uses = new Map<string, number>();
  for (const p of all) if (p.name) uses.set(p.name, (uses.get(p.name) ?? 0) + 1);
  return new Map(all.map((p, i) => [p, p.name && uses.get(p.name) === 1 ? p.name : String(i)]));
}

/** The state read back to the host. All readbacks are in flight together. */
export async function readStateDict<H>(o: StateDictHost<H>): Promise<OptimizerStateDict> {
  const keys = stateKeys(o.paramGroups);
  const state: Record<string, ParamStateDict> = {};
  const reads: Array<Promise<void>> = [];
  const views: Tensor[] = [];
  noGrad(() => {
    for (const [p, key] of keys) {
      const own = o.layout.stateViews(p);
      if (own) views.push(...own);
      const sources = own ?? o.states.parkedOf(p) ?? [];
      const step = o.states.stepCount.get(p) ?? 0;
      if (step === 0) continue;
      const entry: ParamStateDict = { step };
      state[key] = entry;
      sources.forEach((t, k) => {
        reads.push(t.data().then((data) => {
          entry[o.stateNames[k]!] = { dtype: 'float32', shape: [...p.shape], data };
        }));
      });
    }
  });
  try {
    await Promise.all(reads);
  } finally {
    for (const v of views) v.dispose();
  }
  const paramGroups = o.paramGroups.map((g) => {
    const { params, ...hyper } = g as ParamGroup<H> & Record<string, unknown>;
    return { ...(JSON.parse(JSON.stringify(hyper)) as Record<string, unknown>), params: params.map((p) => keys.get(p)!) };
  });
  return { state, paramGroups };
}

/**
 * Restores a state from readStateDict into an optimizer built the same way over the same parameters. Everything
 * is checked before anything changes; then every parameter leaves its slot, the saved state is parked, and the
 * layout is rebuilt from the parking lot.
 */
export function loadStateDictInto<H>(o: StateDictHost<H>, stateDict: OptimizerStateDict): void {
  const op = `${o.name}.loadStateDict`;
  checkOptions(op, stateDict, ['state', 'paramGroups']);
  const { state, paramGroups: groups } = stateDict;
  if (!state || typeof state !== 'object' || !Array.isArray(groups)) throw new TypeError(`${op}: expected { state, paramGroups } from stateDict()`);
  if (groups.length !== o.paramGroups.length) {
    throw new EngineError(`${op}: the state has ${groups.length} parameter groups, the optimizer ${o.paramGroups.length}`);
  }
  const keys = stateKeys(o.paramGroups);
  const byKey = new Map([...keys].map(([p, k]) => [k, p]));
  const newHyper = groups.map((saved, i) => {
    const own = o.paramGroups[i]!;
    const where = `${op}: group ${i}${own.name ? ` (${own.name})` : ''}`;
    checkOptions(where, saved, ['params', 'name', 'initialLr', ...o.hyperKeys]);
    const want = own.params.map((p) => keys.get(p)!);
    const got = saved.params;
    if (!Array.isArray(got) || got.length !== want.length || got.some((k, j) => k !== want[j])) {
      const savedKeys = Array.isArray(got) ? got.join(', ') : String(got);
      throw new EngineError(`${where}: the saved group holds parameters [${savedKeys}], the optimizer's [${want.join(', ')}]`);
    }
    const { params: _p, ...hyper } = saved;
    const next = { ...own, ...(JSON.parse(JSON.stringify(hyper)) as object) } as ParamGroup<H>;
    o.validateGroup(next, i);
    return hyper;
  });
  const names = o.stateNames;
  for (const [key, entry] of Object.entries(state)) {
    const p = byKey.get(key);
    if (!p) throw new EngineError(`${op}: the state has parameter "${key}", which the optimizer does not hold (it holds: ${[...byKey.keys()].join(', ')})`);
    if (!entry || !Number.isInteger(entry.step) || entry.step < 0) {
      throw new EngineError(`${op}: "${key}": step must be an integer ≥ 0, got ${JSON.stringify(entry?.step)}`);
    }
    for (const [name, t] of Object.entries(entry)) {
      if (name === 'step') continue;
      if (!names.includes(name)) throw new EngineError(`${op}: "${key}": unknown state "${name}" (${o.name} keeps: ${names.join(', ') || 'none'})`);
      const host = t as HostTensor;
      if (!host || !(host.data instanceof Float32Array) || host.data.length !== p.size || !Array.isArray(host.shape) || host.shape.join() !== p.shape.join()) {
        const got = `${host?.shape ? `[${String(host.shape)}]` : typeof host} with ${host?.data?.length ?? 0} values`;
        throw new EngineError(`${op}: "${key}".${name} must be float32 data of shape [${p.shape.join(',')}], got ${got}`);
      }
    }
  }
  // Checked: apply.
  newHyper.forEach((hyper, i) => Object.assign(o.paramGroups[i]!, JSON.parse(JSON.stringify(hyper))));
  noGrad(() => {
    o.layout.releaseAll();
    o.states.clear();
    for (const [key, entry] of Object.entries(state)) {
      const p = byKey.get(key)!;
      const states = names.slice(0, o.stateCount).map((name) => {
        const host = entry[name] as HostTensor | undefined;
        if (host) return keep(upload(Float32Array.from(host.data), p.shape, 'float32'));
        const zero = keep(emptyTensor(p.shape));
        fillInPlace(zero, 0);
        return zero;
      });
      o.states.park(p, states);
      if (entry.step > 0) o.states.stepCount.set(p, entry.step);
    }
    o.relayout();
  });
}

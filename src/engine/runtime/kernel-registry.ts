// The one registry of kernel versions. Every op that keeps several kernels for one job (matmul, the three
// conv2d passes, the depthwise passes, the pooling passes, and anything new) registers a *pass* here:
//
//   export const matmulVersions = defineKernelVersions('matmul', {
//     versions: { v1: { summary: 'matmul_naive: ...', run: matmulNaive }, v2: { ... }, v3: { ... } },
//     default: 'v2',
//     auto: (p) => (tiny(p) ? 'v1' : large(p) ? 'v3' : 'v2'),
//   });
//   ... matmulVersions.run(problem)       // runs the forced version, else the auto rule's pick
//
// A pass is named `family.pass` ('conv2d.dgrad') or just `family` when the family has one ('matmul').
// Versions are named v1, v2, ... with v1 the naive reference kept beside the fast ones; the WGSL headers'
// version tables list exactly the v-numbered versions (tests/unit/kernel-headers.test.ts checks it). A
// version may also delegate to another family (conv2d's `depthwise` runs the depthwise passes).
//
// `default` is the version for the common case, named explicitly; `auto` is a function of the problem's
// sizes and the rules profile ('gpu' or 'cpu', runtime/rules.ts) that may pick another one for a stated reason
// (a product too small for a tile, a CPU adapter) and is `() => default` when omitted. A version's `plan`
// says how it launches a problem (its workgroups and the longest serial loop of a thread), as data that
// tests check without a GPU; `pass.choose(p, rules)` and `pass.plan(p, rules)` read both. `rejects` says why
// a version cannot take a problem; a forced version that rejects the problem throws before any GPU work. Tests and benchmarks force versions through
// `kernelVersions.force(name, version)` (a family name forces each of its passes) and undo it with
// `kernelVersions.reset()`. `tuning` holds a pass's knobs other than the version (tile sizes, split
// counts), null meaning "chosen from the problem"; `kernelVersions.tune` sets them and reset restores them.

import { EngineError } from '../errors.ts';
import { currentRules, type LaunchPlan, type RulesProfile } from './rules.ts';

/** P: the problem a version runs; S: the part of it (sizes) that auto rules and plans read. */
export interface KernelVersion<P, R, S = P> {
  /** One line: the kernel file and its idea, as the WGSL header's version table says. */
  summary: string;
  /** Why this version cannot take `p`, or null when it can. Auto rules pick only versions that accept. */
  rejects?: (p: S) => string | null;
  run: (p: P) => R;
  /** How it launches `p` under the profile (the numbers its run uses); omitted for versions that delegate. */
  plan?: (p: S, rules: RulesProfile) => LaunchPlan;
}

export type Tuning = Record<string, unknown>;

export interface KernelVersionsSpec<P, R, V extends string, T extends Tuning, S = P> {
  /** Every version, the naive reference (v1) first. */
  versions: Record<V, KernelVersion<P, R, S>>;
  /** The version for the common case. */
  default: NoInfer<V>;
  /** The version to run for `p` under the profile unless one is forced; `() => default` when omitted. */
  auto?: (p: S, rules: RulesProfile) => NoInfer<V>;
  /** Knobs other than the version, with their defaults (null: chosen from the problem). */
  tuning?: T;
}

/** The untyped view of a pass that the registry lists (typed access: the object defineKernelVersions returns). */
export interface KernelPassInfo {
  readonly name: string;
  readonly family: string;
  readonly versionNames: readonly string[];
  readonly default: string;
  readonly forced: string | null;
  readonly tuning: Readonly<Tuning>;
  summary(version: string): string;
}

/**
 * One registered pass: its versions and its current setting. It only runs problems; forcing and tuning go
 * through `kernelVersions` (one way to do each), so an app that never touches the registry bundles no more.
 */
export class KernelPass<P, R, V extends string = string, T extends Tuning = Tuning, S = P> {
  readonly name: string;
  readonly family: string;
  readonly versions: Readonly<Record<V, KernelVersion<P, R, S>>>;
  readonly default: V;
  readonly autoRule: (p: S, rules: RulesProfile) => V;
  readonly tuningDefaults: Readonly<T>;
  /** The forced version, or null when the auto rule decides (set by kernelVersions.force). */
  forced: V | null = null;
  /** The current knobs (see `tuning` in the spec; set by kernelVersions.tune). */
  tuning: Readonly<T>;

  constructor(name: string, spec: KernelVersionsSpec<P, R, V, T, S>) {
    this.name = name;
    this.family = name.split('.')[0]!;
    this.versions = Object.freeze({ ...spec.versions });
    this.default = spec.default;
    this.autoRule = spec.auto ?? (() => spec.default);
    this.tuningDefaults = Object.freeze({ ...(spec.tuning ?? ({} as T)) });
    this.tuning = this.tuningDefaults;
  }

  /** The version `p` runs with: the forced one, else the auto rule's pick under `rules` (default: the device's). */
  choose(p: S, rules: RulesProfile = currentRules()): V {
    return this.forced ?? this.autoRule(p, rules);
  }

  /** How the chosen version launches `p` under `rules`, or null for a version that delegates to another pass. */
  plan(p: S, rules: RulesProfile): { version: V; launch: LaunchPlan | null } {
    const version = this.choose(p, rules);
    return { version, launch: this.versions[version].plan?.(p, rules) ?? null };
  }

  /** Runs `p` with the forced version, else the auto rule's pick; throws before any GPU work if it rejects `p`. */
  run(p: P): R {
    const s = p as unknown as S; // every problem carries the sizes its pass reads
    const v = this.choose(s);
    const version = this.versions[v];
    const why = version.rejects?.(s) ?? null;
    if (why !== null) throw new EngineError(`${this.name} ${v}${this.forced ? ' (forced)' : ''}: ${why}`);
    return version.run(p);
  }
}

type AnyPass = KernelPass<never, unknown, string, Tuning, never>;

function hasVersion(pass: AnyPass, version: string): boolean {
  return Object.prototype.hasOwnProperty.call(pass.versions, version);
}

function checkVersion(pass: AnyPass, version: string): void {
  if (!hasVersion(pass, version)) {
    throw new EngineError(`${pass.name}: no kernel version ${JSON.stringify(version)}; registered: ${Object.keys(pass.versions).join(', ')}`);
  }
}

function checkKnobs(pass: AnyPass, keys: readonly string[]): void {
  const known = Object.keys(pass.tuningDefaults);
  const bad = keys.find((k) => !known.includes(k));
  if (bad !== undefined) throw new EngineError(`kernelVersions.tune: ${pass.name} has no knob ${bad}; it has ${known.length ? known.join(', ') : 'none'}`);
}

function infoOf(pass: AnyPass): KernelPassInfo {
  return {
    name: pass.name,
    family: pass.family,
    versionNames: Object.keys(pass.versions),
    default: pass.default,
    get forced() {
      return pass.forced;
    },
    get tuning() {
      return pass.tuning;
    },
    summary(version: string): string {
      checkVersion(pass, version);
      return pass.versions[version]!.summary;
    },
  };
}

const passes = new Map<string, AnyPass>();

/** Registers the versions of one pass (see the header). Names are unique; the returned object is the typed handle. */
export function defineKernelVersions<P, R, V extends string, T extends Tuning = Record<never, never>, S = P>(
  name: string,
  spec: KernelVersionsSpec<P, R, V, T, S>,
): KernelPass<P, R, V, T, S> {
  if (!/^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)?$/.test(name)) {
    throw new EngineError(`defineKernelVersions: bad name ${JSON.stringify(name)}: use family or family.pass`);
  }
  if (passes.has(name)) throw new EngineError(`defineKernelVersions: ${name} is already registered`);
  if (!Object.prototype.hasOwnProperty.call(spec.versions, spec.default)) {
    throw new EngineError(`defineKernelVersions: ${name}: default ${spec.default} is not one of ${Object.keys(spec.versions).join(', ')}`);
  }
  const pass = new KernelPass(name, spec);
  passes.set(name, pass as unknown as AnyPass);
  return pass;
}

/** The passes a name selects: the pass itself, or every pass of a family. */
function select(what: string, name: string): AnyPass[] {
  const exact = passes.get(name);
  if (exact) return [exact];
  const family = [...passes.values()].filter((p) => p.family === name);
  if (family.length > 0) return family;
  throw new EngineError(`kernelVersions.${what}: no kernel family or pass ${JSON.stringify(name)}; registered: ${[...passes.keys()].join(', ')}`);
}

/** Everything forced or tuned away from its default, so it can be restored. */
interface Snapshot {
  pass: AnyPass;
  forced: string | null;
  tuning: Tuning;
}

/**
 * The registry: lists the passes and forces or tunes them by name. `force('conv2d', 'v1')` forces each
 * conv2d pass; `force('conv2d.dgrad', 'v2')` one of them. Unknown names and versions throw, naming what is
 * registered. `using` forces for the length of a callback (awaited if it returns a promise) and restores.
 */
export const kernelVersions = {
  /** Registered pass names, in registration order. */
  names(): string[] {
    return [...passes.keys()];
  },
  get(name: string): KernelPassInfo {
    const pass = passes.get(name);
    if (!pass) throw new EngineError(`kernelVersions.get: no kernel pass ${JSON.stringify(name)}; registered: ${[...passes.keys()].join(', ')}`);
    return infoOf(pass);
  },
  /** Forces `version` on the pass, or on every pass of the family; null restores the auto rule. */
  force(name: string, version: string | null): void {
    const selected = select('force', name);
    if (version !== null) for (const p of selected) checkVersion(p, version); // all or nothing
    for (const p of selected) p.forced = version;
  },
  /** Sets knobs on the pass, or on every pass of the family (each must have them). */
  tune(name: string, values: Tuning): void {
    const selected = select('tune', name);
    for (const p of selected) checkKnobs(p, Object.keys(values)); // all or nothing
    for (const p of selected) p.tuning = { ...p.tuning, ...values };
  },
  /** Restores the auto rule and default knobs on one pass or family, or on every pass. */
  reset(name?: string): void {
    for (const p of name === undefined ? passes.values() : select('reset', name)) {
      p.forced = null;
      p.tuning = p.tuningDefaults;
    }
  },
  /** Runs `fn` with the given versions forced (`{ conv2d: 'v1', 'depthwise.wgrad': 'v2' }`), then restores them. */
  using<T>(forced: Record<string, string>, fn: () => T): T {
    const saved: Snapshot[] = [...passes.values()].map((pass) => ({ pass, forced: pass.forced, tuning: { ...pass.tuning } }));
    const restore = (): void => {
      for (const s of saved) {
        s.pass.forced = s.forced;
        s.pass.tuning = s.tuning;
      }
    };
    let result: T;
    try {
      for (const [name, version] of Object.entries(forced)) kernelVersions.force(name, version);
      result = fn();
    } catch (e) {
      restore();
      throw e;
    }
    if (result instanceof Promise) return result.finally(restore) as T;
    restore();
    return result;
  },
};

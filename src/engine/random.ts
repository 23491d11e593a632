// The engine's one random stream (PyTorch's default generator). Everything random that is not given its own
// seed draws from it: rand/randn (so every layer's initialization), each Dropout forward without a seed,
// and randperm (the shuffling of data loaders). `manualSeed(s)` therefore makes a whole run repeatable, and
// `getRngState()` / `setRngState()` save and restore the stream (a training checkpoint stores it).
//
// The stream is a 32-bit LCG (x ← 1664525·x + 1013904223) whose outputs are seeds: each draw seeds one
// Mulberry32 generator (CPU: rand, randn, randperm) or one counter-based GPU hash (the dropout mask, see
// nn_dropout.wgsl). One draw per call, whatever the tensor's size, so the state is one number.

import { EngineError } from './errors.ts';
import { checkOptions } from './options.ts';

/** What getRngState returns: plain JSON, stored as is in checkpoints. */
export interface RngState {
  algorithm: 'lcg32';
  state: number;
}

const DEFAULT_STATE = 0x5eed;
let streamState = DEFAULT_STATE;

/** Seeds the engine's random stream (torch.manual_seed): initialization, dropout masks, randperm. */
export function manualSeed(seed: number): void {
  if (!Number.isFinite(seed)) throw new EngineError(`manualSeed: the seed must be a finite number, got ${seed}`);
  streamState = seed >>> 0;
}

/** The state of the random stream (torch.get_rng_state), as JSON-safe data. */
export function getRngState(): RngState {
  return { algorithm: 'lcg32', state: streamState };
}

/** Restores a state from getRngState (torch.set_rng_state): the draws that follow repeat those after it. */
export function setRngState(state: RngState): void {
  if (!state || state.algorithm !== 'lcg32' || !Number.isInteger(state.state) || state.state < 0 || state.state > 0xffffffff) {
    throw new EngineError(`setRngState: expected { algorithm: 'lcg32', state: a 32-bit unsigned integer } from getRngState(), got ${JSON.stringify(state)}`);
  }
  streamState = state.state;
}

/** Advances the stream and returns the next 32-bit seed (what rand, randn, Dropout and randperm draw). */
export function drawSeed(): number {
  streamState = (Math.imul(streamState, 1664525) + 1013904223) >>> 0;
  return streamState;
}

/** Mulberry32: a small, fast, seedable PRNG on [0, 1); the same seed gives the same numbers everywhere. */
export function seededUniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RandpermOptions {
  /** Its own seed; default: one draw from the engine's stream (so manualSeed fixes it). */
  seed?: number;
}

/**
 * A random permutation of 0..n−1 (torch.randperm), on the host: the order a data loader visits its samples
 * in. Fisher–Yates with a Mulberry32 generator. Returned as an Int32Array (upload it with `tensor(...)` if
 * it is needed on the GPU).
 */
export function randperm(n: number, options: RandpermOptions = {}): Int32Array {
  checkOptions('randperm', options, ['seed']);
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) throw new EngineError(`randperm: n must be an integer ≥ 0, got ${n}`);
  const next = seededUniform(options.seed ?? drawSeed());
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}

// The kernel rules as data. Every pass in the kernel registry chooses its version (and its splits) for one of
// two profiles: 'gpu', a discrete GPU with WebGPU's default limits and GPU_COMPUTE_UNITS compute units (enough
// workgroups to fill them, no thread walking a long serial loop), or 'cpu', a CPU implementation of WebGPU
// (SwiftShader, llvmpipe, WARP: a few workgroups per core, no extra splits). `onCpuAdapter()` (device.ts) is
// the one place that decides which applies to the running device; the choosers are pure functions of the
// problem's sizes and the profile, so tests/unit/kernel-rules.test.ts checks the GPU profile's choices for
// real layer shapes in Node, without a GPU, and tests/unit/kernel-rules-snapshot.test.ts keeps every choice
// of both profiles in a committed snapshot. A version's `plan` says how it would launch: its workgroup count
// and the longest serial loop one of its threads runs, in elements of the reduction it walks.
//
// Versions that need more than WebGPU's default limits: none today (every kernel fits 256 invocations and
// 16 KiB of workgroup memory; tests/unit/matmul-tiles.test.ts checks the matmul tiles, gemmConstants the conv
// tiles). A version that does must be listed here and chosen only under the 'gpu' profile, which the
// `npm run test:gpu-rules` run exercises.

import type { RulesProfile } from './device.ts';
import { onCpuAdapter } from './device.ts';

export type { RulesProfile };

/** Compute units (SMs, CUs) the GPU profile assumes: an H100 has 132. */
export const GPU_COMPUTE_UNITS = 132;

/** WebGPU's default limits, which the GPU profile's choices stay within. */
export const DEFAULT_LIMITS = Object.freeze({ maxComputeWorkgroupStorageSize: 16384, maxComputeInvocationsPerWorkgroup: 256 });

/**
 * What the GPU profile asks of a launch: at least MIN_WORKGROUPS workgroups (two per compute unit) whenever the
 * output has at least MIN_WORKGROUPS × 256 elements or the reduction is at least MAX_SERIAL_LOOP long, and no
 * thread running a serial loop of more than MAX_SERIAL_LOOP iterations (a long one risks a watchdog reset,
 * 2 s on Windows, and leaves the GPU idle).
 */
export const GPU_RULES = Object.freeze({ MIN_WORKGROUPS: 2 * GPU_COMPUTE_UNITS, MAX_SERIAL_LOOP: 4096 });

/** How one version launches a problem: the count the GPU rules are checked on. */
export interface LaunchPlan {
  /** Workgroups of its main launch (the one that does the work; a reduce of partial sums comes after). */
  workgroups: number;
  /** The longest serial loop one thread runs, in elements of the reduction it walks. */
  loop: number;
}

/** The profile the running device's choices follow. */
export function currentRules(): RulesProfile {
  return onCpuAdapter() ? 'cpu' : 'gpu';
}

// The benchmark page's module (window.__helpers of bench/page.html): TF.js with its WebGPU backend, jax-js
// (bench/jaxjs.ts), the harness and every registered case. bench/run-browser.mjs calls runBrowserBench in the page.

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
// Gradients of TF.js's ops (for the training-step rows): tfjs-core registers them only in this module.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as jax from '@jax-js/jax';
import { initJax } from './jaxjs.ts';
import { allCases } from './cases/index.ts';
import { isCpuAdapter, runBench, type BenchOptions, type BenchReport } from './harness.ts';
import type { Engine } from './registry.ts';

export interface PageOptions extends Omit<BenchOptions, 'runtime' | 'quick'> {
  /** 'auto': quick on a CPU adapter. */
  quick: boolean | 'auto';
  tfjs: boolean;
  jaxjs: boolean;
}

export async function runBrowserBench(E: Engine, options: PageOptions): Promise<BenchReport> {
  const log = (m: string): void => console.log(`[bench] ${m}`);
  await E.init();
  if (options.tfjs) {
    if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js: the webgpu backend did not initialize');
    await tf.ready();
  }
  if (options.jaxjs) await initJax(jax);
  const quick = options.quick === 'auto' ? isCpuAdapter(E.engineInfo().adapter) : options.quick;
  const runtimeInfo = `${navigator.userAgent}; ${navigator.hardwareConcurrency} logical CPUs`;
  const opts = { ...options, quick, runtime: 'chrome' as const, runtimeInfo };
  return runBench(E, options.tfjs ? tf : null, allCases(), opts, log, options.jaxjs ? jax : null);
}

/** Names of the registered cases, for --list. */
export function listCases(): Array<{ family: string; name: string; shape: string; quick: boolean }> {
  return allCases().map((c) => ({ family: c.family, name: c.name, shape: c.shape, quick: !!c.quick }));
}

// The benchmark page's module (window.__helpers of bench/page.html): TF.js with its WebGPU backend, the
// harness and every registered case. bench/run-browser.mjs calls runBrowserBench in the page.

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
// Gradients of TF.js's ops (for the training-step rows): tfjs-core registers them only in this module.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { allCases } from './cases/index.ts';
import { isCpuAdapter, runBench, type BenchOptions, type BenchReport } from './harness.ts';
import type { Engine } from './registry.ts';

export interface PageOptions extends Omit<BenchOptions, 'runtime' | 'quick'> {
  /** 'auto': quick on a CPU adapter. */
  quick: boolean | 'auto';
  tfjs: boolean;
}

export async function runBrowserBench(E: Engine, options: PageOptions): Promise<BenchReport> {
  const log = (m: string): void => console.log(`[bench] ${m}`);
  await E.init();
  if (options.tfjs) {
    if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js: the webgpu backend did not initialize');
    await tf.ready();
  }
  const quick = options.quick === 'auto' ? isCpuAdapter(E.engineInfo().adapter) : options.quick;
  const runtimeInfo = `${navigator.userAgent}; ${navigator.hardwareConcurrency} logical CPUs`;
  return runBench(E, options.tfjs ? tf : null, allCases(), { ...options, quick, runtime: 'chrome', runtimeInfo }, log);
}

/** Names of the registered cases, for --list. */
export function listCases(): Array<{ family: string; name: string; shape: string; quick: boolean }> {
  return allCases().map((c) => ({ family: c.family, name: c.name, shape: c.shape, quick: !!c.quick }));
}

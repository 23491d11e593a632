// First module of the Node benchmark bundle: installs Dawn's WebGPU (npm `webgpu`) as the globals a browser
// has (GPUBufferUsage, ...) and as navigator.gpu, before TF.js's WebGPU backend loads (it registers only when
// it finds navigator.gpu) and before jax-js's starts (it asks navigator.gpu for its adapter). Imported before anything else by bench/node-entry.ts.

import { create, globals } from 'webgpu';

Object.assign(globalThis, globals);
const flags = (process.env.DAWN_FLAGS ?? '').split(',').filter((f) => f);
export const gpu: GPU = create(flags);
if (!('navigator' in globalThis) || !globalThis.navigator) {
  // jax-js reads navigator.userAgent when its WebGPU backend loads.
  Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent: `Node.js/${process.version}` }, configurable: true, writable: true });
} else if (!globalThis.navigator.gpu) {
  Object.defineProperty(globalThis.navigator, 'gpu', { value: gpu, configurable: true });
}

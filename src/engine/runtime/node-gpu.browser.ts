// What bundles for the browser get instead of node-gpu.ts: package.json's `browser` field maps
// dist/engine/runtime/node-gpu.js to this module, so web bundles carry no Node-only code. Same exports.

export function isNode(): boolean {
  return false;
}

export function openNodeAdapter(): Promise<{ gpu: GPU; adapter: GPUAdapter }> {
  return Promise.reject(new Error('openNodeAdapter: not available in a browser build'));
}

export function nodeNoAdapterMessage(): string {
  return 'init: no WebGPU adapter was found';
}

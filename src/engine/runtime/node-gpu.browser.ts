// What bundles for the browser get instead of node-gpu.ts: package.json's `browser` field maps
// dist/engine/runtime/node-gpu.js to this module, so web bundles carry no Node-only code. Same exports.

export function isNode(): boolean {
  return false;
}

export function loadNodeGpu(): Promise<GPU> {
  return Promise.reject(new Error('loadNodeGpu: not available in a browser build'));
}

// WebGPU in Node: `init()` without `gpu` or `device` outside a browser loads the `webgpu` package (Dawn)
// on demand. The specifier is hidden from bundlers, so none tries to resolve it, and package.json's
// `browser` field swaps this module for node-gpu.browser.ts in web bundles.

import { DeviceError } from '../errors.ts';

const INSTALL_HINT =
  'install the `webgpu` package (npm install webgpu) and call init() again, or pass your own: ' +
  "init({ gpu: create([]) }) with `import { create } from 'webgpu'`, or init({ device })";

/** True in Node (and Deno/Bun with Node compatibility), where there is no navigator.gpu to fall back on. */
export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

interface WebgpuPackage {
  create(flags: string[]): GPU;
}

/** The `webgpu` package's GPU object; throws a DeviceError saying how to install it when it is missing. */
export async function loadNodeGpu(): Promise<GPU> {
  const specifier = 'webgpu';
  let mod: WebgpuPackage;
  try {
    mod = (await import(/* @vite-ignore */ specifier)) as WebgpuPackage;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') throw new DeviceError(`init: no WebGPU in this Node process: ${INSTALL_HINT}`);
    throw new DeviceError(`init: the \`webgpu\` package failed to load (${e instanceof Error ? e.message : String(e)}); ${INSTALL_HINT}`);
  }
  if (typeof mod.create !== 'function') throw new DeviceError(`init: the \`webgpu\` package has no create(); ${INSTALL_HINT}`);
  return mod.create([]);
}

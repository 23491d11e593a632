// WebGPU in Node: `init()` without `gpu` or `device` outside a browser loads the `webgpu` package (Dawn)
// on demand. The specifier is hidden from bundlers, so none tries to resolve it, and package.json's
// `browser` field swaps this module for node-gpu.browser.ts in web bundles. On Linux with no GPU driver it finds
// SwiftShader's Vulkan driver where Chromium ships it and tries again before failing (node-advice.ts says what
// to install otherwise). Node's own modules are imported on demand too, so a browser build never sees them.

import { DeviceError } from '../errors.ts';
import { checkAdapter, findAdapter } from './adapter.ts';
import { browserCaches, findSwiftShaderIcd, noAdapterMessage, swiftShaderCandidates } from './node-advice.ts';

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

/** The `webgpu` package; throws a DeviceError saying how to install it when it is missing. */
async function loadWebgpu(): Promise<WebgpuPackage> {
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
  return mod;
}

interface NodeProcess {
  platform: string;
  env: Record<string, string | undefined>;
}

function nodeProcess(): NodeProcess {
  return (globalThis as unknown as { process: NodeProcess }).process;
}

/** Every folder up to `depth` levels below `root` (a browser cache is small); none when it cannot be read. */
async function foldersUnder(root: string, depth: number): Promise<string[]> {
  const fsName = 'node:fs/promises';
  const fs = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs/promises');
  const walk = async (dir: string, left: number): Promise<string[]> => {
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    const subs = entries.filter((e) => e.isDirectory()).map((e) => `${dir}/${e.name}`).sort().reverse(); // newest version first
    const deeper = left > 1 ? await Promise.all(subs.map((d) => walk(d, left - 1))) : [];
    return [...subs, ...deeper.flat()];
  };
  return walk(root, depth);
}

/** SwiftShader's Vulkan ICD where a Chromium, Chrome or a puppeteer/playwright download ships it, or null. */
async function locateSwiftShader(env: Record<string, string | undefined>): Promise<string | null> {
  const fsName = 'node:fs';
  const osName = 'node:os';
  const { existsSync } = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs');
  const { homedir } = (await import(/* @vite-ignore */ osName)) as typeof import('node:os');
  const fixed = findSwiftShaderIcd(swiftShaderCandidates(), existsSync);
  if (fixed) return fixed;
  const downloaded = (await Promise.all(browserCaches(homedir(), env).map((root) => foldersUnder(root, 3)))).flat();
  return findSwiftShaderIcd(swiftShaderCandidates(downloaded), existsSync);
}

/**
 * The `webgpu` package's GPU object and an adapter the engine can run on. On Linux with no adapter and no
 * VK_ICD_FILENAMES, it points VK_ICD_FILENAMES at SwiftShader's driver (found by locateSwiftShader) and asks a
 * new GPU object once more; VK_ICD_FILENAMES stays set when that worked. Else a DeviceError says what to do.
 */
export async function openNodeAdapter(powerPreference: GPUPowerPreference | undefined): Promise<{ gpu: GPU; adapter: GPUAdapter }> {
  const webgpu = await loadWebgpu();
  let gpu = webgpu.create([]);
  let adapter = await findAdapter(gpu, powerPreference);
  const { platform, env } = nodeProcess();
  const userIcd = env.VK_ICD_FILENAMES ?? env.VK_DRIVER_FILES;
  let triedIcd: string | null | undefined;
  if (!adapter && platform === 'linux' && !userIcd) {
    triedIcd = await locateSwiftShader(env);
    if (triedIcd) {
      env.VK_ICD_FILENAMES = triedIcd;
      gpu = webgpu.create([]);
      adapter = await findAdapter(gpu, powerPreference);
      if (!adapter) delete env.VK_ICD_FILENAMES;
    }
  }
  if (!adapter) throw new DeviceError(noAdapterMessage({ platform, userIcd, triedIcd }));
  return { gpu, adapter: checkAdapter(adapter) };
}

/** init({ gpu })'s message in Node when that GPU object offers no adapter (init() cannot recreate it). */
export function nodeNoAdapterMessage(): string {
  const { platform, env } = nodeProcess();
  return noAdapterMessage({ platform, userIcd: env.VK_ICD_FILENAMES ?? env.VK_DRIVER_FILES, ownGpu: true });
}

// The Node backend of useGpuPage() (gpu.ts): the same test functions, run in this process against the engine on
// Dawn (npm `webgpu`) instead of in a Chromium page. Used by `npm run test:gles` (vitest.gles.config.ts: Dawn's
// OpenGL ES backend over Mesa) and by the GPU run's correctness section (bench/gpu/sections/correctness.ts),
// which also repeats each call and compares the replies bit for bit (NodeGpuConfig.repeat).
//
// A function still runs "as in the page" (scripts/page-wire.mjs): rebuilt from its source text, given E (engine +
// internals) and H (in-page.ts) through the globals the page sets, with its args and result sent through the wire
// format, and its errors rethrown as PageError. So a test behaves the same in both places: it cannot use its
// caller's scope here either, and a result is a copy, never a live object.
//
// Dawn's instance is created once per process with the given flags and installed as navigator.gpu (plus its
// globals: GPUBufferUsage, ...), so `E.init()` in a test finds it as it finds the browser's.

import { encodeArgs, pageRun, settleReply, wireReplacer, wireReviver } from '../../scripts/page-wire.mjs';

/** How to reach Dawn, and what else to do with each call. */
export interface NodeGpuConfig {
  /** `create(flags)`, e.g. ['backend=opengles']; absent: the navigator.gpu this process already installed. */
  flags?: string[];
  /**
   * Runs each call this many times in all (the GPU run's correctness section): the first run is the call, the
   * others follow it at once, each from the engine's random-stream state the first started from (the state after
   * the first is restored afterwards), and onRepeat gets every reply. Calls that run init() are not repeated.
   */
  repeat?: number;
  onRepeat?: (call: NodeCall, first: string, others: string[]) => void;
}

/** One call, as the Node backend ran it. */
export interface NodeCall {
  src: string;
  argsJson: string;
}

interface PageGlobals {
  __engine?: unknown;
  __helpers?: unknown;
  __name?: (fn: unknown) => unknown;
  navigator?: { gpu?: GPU };
}

let gpuObject: GPU | null = null;

/** Dawn's GPU object for `flags`, made once per process and installed as navigator.gpu (or the one installed). */
async function installGpu(flags: string[] | undefined): Promise<GPU> {
  const g = globalThis as PageGlobals;
  if (!flags) {
    if (!g.navigator?.gpu) throw new Error('openNodePage: no flags and no navigator.gpu installed in this process');
    return g.navigator.gpu;
  }
  if (gpuObject) return gpuObject;
  const { create, globals } = (await import('webgpu')) as { create: (f: string[]) => GPU; globals: object };
  Object.assign(globalThis, globals);
  const gpu = create(flags);
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  else Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  gpuObject = gpu;
  return gpu;
}

export interface NodePage {
  run(fn: (...a: never[]) => unknown, ...args: unknown[]): Promise<unknown>;
  /** The page's reload: a fresh device on the next init() (module state stays; tests call init() first). */
  reload(): Promise<void>;
  close(): Promise<void>;
}

/** Sets up Dawn and the page's globals (__engine, __helpers) in this process. */
export async function openNodePage(config: NodeGpuConfig): Promise<NodePage> {
  await installGpu(config.flags);
  const g = globalThis as PageGlobals;
  g.__name ??= (fn) => fn;
  const engine = await import('../../src/index.ts');
  g.__engine = { ...engine, internal: await import('../../src/engine/internal.ts') };
  g.__helpers = await import('./in-page.ts');
  const runOnce = (call: NodeCall): Promise<string> => pageRun(call.src, call.argsJson, wireReplacer, wireReviver);
  return {
    async run(fn, ...args) {
      if (typeof fn !== 'function') throw new TypeError('runInPage: fn must be a function');
      const call = { src: fn.toString(), argsJson: encodeArgs(args) };
      const repeat = config.repeat && config.repeat > 1 && !/\.init\(/.test(call.src) ? config.repeat : 1;
      const before = engine.getRngState();
      const first = await runOnce(call);
      if (repeat > 1) {
        const after = engine.getRngState();
        const others: string[] = [];
        for (let i = 1; i < repeat; i++) {
          engine.setRngState(before);
          others.push(await runOnce(call));
        }
        engine.setRngState(after);
        config.onRepeat?.(call, first, others);
      }
      return settleReply(first);
    },
    async reload() {
      engine.shutdown();
    },
    async close() {
      engine.shutdown();
    },
  };
}

// Helpers that run inside the test page. Tests reach them as `H` in `gpu.run((E, H, ...args) => ...)`.
//
// To add a helper, export it here (or from a sibling file re-exported here). A helper that needs the
// engine should take it as a parameter (`gradCheck(E, ...)`) rather than import /src/index.ts: the page
// loads this module even when the engine fails to load, and the harness reports that failure better.
// Helpers see the page, not Node: no node: imports, no vitest.

export { seededRandom, randomArray } from './random.ts';
export { applyOp, forwardBackward } from './ops-in-page.ts';
export { runNonfiniteCases, type NonfiniteCase, type NonfiniteReport } from './nonfinite.ts';
export { seededValues, type SeedEntry } from './zoo-seed.ts';
export { noLeak, takeLeaks } from './leak-check.ts';

/**
 * crossEntropy's composed path (src/nn/losses.ts), the reference its fused path is tested against. Imported on
 * first use, so that this module still loads when the engine does not.
 */
export async function crossEntropyComposed(): Promise<typeof import('../../src/nn/losses.ts').crossEntropyComposed> {
  return (await import('../../src/nn/losses.ts')).crossEntropyComposed;
}

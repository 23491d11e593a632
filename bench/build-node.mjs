#!/usr/bin/env node
// Bundles bench/node-entry.ts (engine + TF.js + harness + cases) into dist-gpu/bench-node.mjs: one ESM file
// whose only import outside Node's built-ins is `webgpu` (Dawn), so it runs on a GPU machine with just
// `.gpu/` next to it (/work/shared/gpu/README.md). WGSL `?raw` imports and the cases glob are resolved by vite.
//   node bench/build-node.mjs [--out-dir dist-gpu]

import path from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'vite';
import { REPO_ROOT } from '../scripts/headless.mjs';

export async function buildNodeBench(outDir = path.join(REPO_ROOT, 'dist-gpu')) {
  await build({
    configFile: false,
    root: REPO_ROOT,
    logLevel: 'warn',
    ssr: { noExternal: true, external: ['webgpu'], target: 'node' },
    build: {
      ssr: path.join(REPO_ROOT, 'bench', 'node-entry.ts'),
      outDir,
      emptyOutDir: false,
      target: 'node20',
      minify: false,
      sourcemap: false,
      rollupOptions: {
        external: ['webgpu'],
        output: { format: 'es', entryFileNames: 'bench-node.mjs', codeSplitting: false },
      },
    },
  });
  return path.join(outDir, 'bench-node.mjs');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { 'out-dir': { type: 'string' } } });
  const file = await buildNodeBench(values['out-dir'] ? path.resolve(values['out-dir']) : undefined);
  console.log(`built ${path.relative(process.cwd(), file)}`);
}

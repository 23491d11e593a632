#!/usr/bin/env node
// Checks tests/fixtures/torch/nonfinite.json (NaN and ±inf as PyTorch 1.13 has them) in Node through Dawn
// (npm `webgpu`), the same cases the Chromium test runs. On a machine without a GPU, pass --swiftshader to use
// Chromium's SwiftShader Vulkan driver.
//   node scripts/check-nonfinite-node.mjs [--swiftshader]

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { build } from 'vite';
import { REPO_ROOT } from './headless.mjs';

const outDir = path.join(REPO_ROOT, 'dist-gpu');
await build({
  configFile: false,
  root: REPO_ROOT,
  logLevel: 'warn',
  ssr: { noExternal: true, external: ['webgpu'], target: 'node' },
  build: {
    ssr: path.join(REPO_ROOT, 'tests', 'harness', 'nonfinite-node-entry.ts'),
    outDir,
    emptyOutDir: false,
    target: 'node20',
    minify: false,
    rollupOptions: { external: ['webgpu'], output: { format: 'es', entryFileNames: 'nonfinite-node.mjs', codeSplitting: false } },
  },
});
const env = { ...process.env };
if (process.argv.includes('--swiftshader')) {
  env.VK_ICD_FILENAMES = '/usr/lib/chromium/vk_swiftshader_icd.json';
  env.LD_LIBRARY_PATH = ['/usr/lib/chromium', env.LD_LIBRARY_PATH].filter(Boolean).join(':');
}
const run = spawnSync(process.execPath, [path.join(outDir, 'nonfinite-node.mjs')], { stdio: 'inherit', env });
if (run.signal) console.error(`Dawn process ended by ${run.signal} (Dawn on SwiftShader crashes now and then)`);
process.exit(run.status ?? 1);

#!/usr/bin/env node
// `npm run bench:node [-- options]`: bundles the benchmarks (bench/build-node.mjs → dist-gpu/bench-node.mjs)
// and runs them in Node through Dawn (npm `webgpu`): ours and TF.js WebGPU on Dawn's first adapter. Writes
// bench/results/<date>-<adapter-slug>-node.json. Options are those of bench/run-browser.mjs, plus:
//   --build-only    only write dist-gpu/bench-node.mjs (to copy to a GPU machine with .gpu/, see
//                   /work/shared/gpu/README.md: bash .gpu/run.sh node dist-gpu/bench-node.mjs --full)
//   --swiftshader   run on Chromium's SwiftShader Vulkan driver (/usr/lib/chromium), for machines without
//                   a GPU (Dawn on SwiftShader works but has crashed now and then)

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../scripts/headless.mjs';
import { buildNodeBench } from './build-node.mjs';

const args = process.argv.slice(2);
const buildOnly = args.includes('--build-only');
const swiftshader = args.includes('--swiftshader');
const passOn = args.filter((a) => a !== '--build-only' && a !== '--swiftshader');

const bundle = await buildNodeBench();
console.log(`built ${path.relative(process.cwd(), bundle)}`);
if (buildOnly) process.exit(0);

const env = { ...process.env };
if (swiftshader) {
  const dir = '/usr/lib/chromium';
  if (!existsSync(path.join(dir, 'vk_swiftshader_icd.json'))) throw new Error(`--swiftshader: no ${dir}/vk_swiftshader_icd.json`);
  env.VK_ICD_FILENAMES = path.join(dir, 'vk_swiftshader_icd.json');
  env.LD_LIBRARY_PATH = [dir, env.LD_LIBRARY_PATH].filter(Boolean).join(':');
}
const result = spawnSync(process.execPath, [bundle, ...passOn], { cwd: REPO_ROOT, env, stdio: 'inherit' });
if (result.signal) console.error(`bench-node ended by ${result.signal}`);
process.exit(result.status ?? 1);

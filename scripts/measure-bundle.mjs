// `node scripts/measure-bundle.mjs [--no-build]`: how many bytes the package adds to an app's bundle.
// Builds dist/ (npm run build:lib), then bundles small apps against the package as a consumer resolves it
// (`webgpu-tensor` through package.json's exports and sideEffects, via a symlink in a temp node_modules),
// with esbuild, minified, for the browser, and prints minified and gzip sizes. The figures in
// docs/embedding.md ("Size") come from this command. It exits 1 when an app is over its entry in BUDGETS;
// `npm run test:package` checks the same budgets against the packed package.

import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** App name → its source. Each awaits something so nothing it imports is unused. */
export const APPS = {
  'init + tensor + matmul (webgpu-tensor/core)':
    "import { init, tensor, matmul } from 'webgpu-tensor/core';\nawait init();\nconsole.log(await matmul(tensor([[1, 2]]), tensor([[3], [4]])).data());",
  'init + tensor + matmul (webgpu-tensor)':
    "import { init, tensor, matmul } from 'webgpu-tensor';\nawait init();\nconsole.log(await matmul(tensor([[1, 2]]), tensor([[3], [4]])).data());",
  'everything (import * from webgpu-tensor)': "import * as E from 'webgpu-tensor';\nconsole.log(E);",
};

/** App name → the most minified bytes it may bundle to. */
export const BUDGETS = {
  // 40 kB until 2026-12-07; then matmul shipped the GPU's versions (v4 split-K, v5 matrix–vector) beside v1–v3
  // (52 kB), and later that day the CPU adapter's barrier-free register-tiled v6 (57 kB) and v7, v6 reading vec4
  // words (61 kB).
  'init + tensor + matmul (webgpu-tensor/core)': 61_000,
};

export async function measure() {
  const dir = await mkdtemp(path.join(tmpdir(), 'webgpu-tensor-bundle-'));
  try {
    await mkdir(path.join(dir, 'node_modules'));
    await symlink(ROOT, path.join(dir, 'node_modules', 'webgpu-tensor'), 'dir');
    const sizes = {};
    for (const [name, contents] of Object.entries(APPS)) {
      const r = await esbuild.build({
        stdin: { contents, resolveDir: dir, loader: 'js' },
        bundle: true,
        minify: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        write: false,
        logLevel: 'error',
      });
      const code = r.outputFiles[0].contents;
      sizes[name] = { minified: code.length, gzip: gzipSync(code).length };
    }
    return sizes;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!process.argv.includes('--no-build')) {
    const b = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-lib.mjs')], { stdio: 'inherit' });
    if (b.status !== 0) process.exit(1);
  }
  const esbuildVersion = esbuild.version;
  let over = 0;
  for (const [name, s] of Object.entries(await measure())) {
    const budget = BUDGETS[name];
    const verdict = budget === undefined ? '' : s.minified <= budget ? ` (budget ${(budget / 1000).toFixed(1)} kB)` : ` OVER the budget of ${(budget / 1000).toFixed(1)} kB`;
    if (budget !== undefined && s.minified > budget) over++;
    console.log(`${name}: ${(s.minified / 1000).toFixed(1)} kB minified, ${(s.gzip / 1000).toFixed(1)} kB gzip${verdict}`);
  }
  console.log(`(esbuild ${esbuildVersion}, --bundle --minify --format=esm --platform=browser --target=es2022)`);
  if (over > 0) process.exit(1);
}

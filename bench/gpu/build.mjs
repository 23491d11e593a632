#!/usr/bin/env node
// Bundles the GPU run (bench/gpu/main.ts: its sections, the engine, TF.js, and the kernel test files that the
// correctness section runs) into dist-gpu/gpu-run/: main.mjs plus chunks (one per test file, loaded when its turn
// comes), importing nothing outside Node's built-ins but `webgpu` (Dawn), so that it runs on a GPU machine with
// only .gpu/ beside it (/work/shared/gpu/README.md). In the bundle:
//   - `vitest` is bench/gpu/vitest-shim.ts (vitest itself cannot travel);
//   - scripts/headless.mjs (puppeteer: the browser half of useGpuPage) is a stub that throws if reached;
//   - a test file's import.meta.url is its source path under the working directory (the project root), so that
//     it finds its fixtures as under vitest.
//   node bench/gpu/build.mjs [--out-dir dist-gpu/gpu-run]

import path from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'vite';
import { REPO_ROOT } from '../../scripts/headless.mjs';

const HEADLESS_STUB = '\0gpu-run-headless-stub';

/** vite plugin: the rewrites listed above, except the vitest alias. */
function gpuRunPlugin() {
  return {
    name: 'gpu-run',
    enforce: 'pre',
    resolveId(id) {
      if (id.endsWith('/scripts/headless.mjs')) return HEADLESS_STUB;
      return null;
    },
    load(id) {
      if (id === HEADLESS_STUB) return "throw new Error('the GPU run has no browser: useGpuPage runs on the nodeGpu backend there');";
      return null;
    },
    // package.json's `sideEffects` marks the project's modules pure, and a module imported only for what it does
    // would be dropped: the test files (they register tests) and the shim (it installs expect's matchers).
    transform(code, id) {
      const rel = path.relative(REPO_ROOT, id.split('?')[0]);
      if (rel === 'bench/gpu/vitest-shim.ts') return { code, map: null, moduleSideEffects: true };
      if (!/^tests\/gpu\/.*\.test\.ts$/.test(rel)) return null;
      const url = `new URL(${JSON.stringify(rel)}, \`file://\${process.cwd()}/\`).href`;
      return { code: code.replaceAll('import.meta.url', url), map: null, moduleSideEffects: true };
    },
  };
}

export async function buildGpuRun(outDir = path.join(REPO_ROOT, 'dist-gpu', 'gpu-run')) {
  await build({
    configFile: false,
    root: REPO_ROOT,
    logLevel: 'warn',
    plugins: [gpuRunPlugin()],
    resolve: { alias: { vitest: path.join(REPO_ROOT, 'bench', 'gpu', 'vitest-shim.ts') } },
    ssr: { noExternal: true, external: ['webgpu'], target: 'node' },
    build: {
      ssr: path.join(REPO_ROOT, 'bench', 'gpu', 'main.ts'),
      outDir,
      emptyOutDir: true,
      target: 'node20',
      minify: false,
      sourcemap: false,
      rollupOptions: {
        external: ['webgpu'],
        output: { format: 'es', entryFileNames: 'main.mjs', chunkFileNames: 'chunks/[name]-[hash].mjs' },
      },
    },
  });
  return path.join(outDir, 'main.mjs');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { 'out-dir': { type: 'string' } } });
  const file = await buildGpuRun(values['out-dir'] ? path.resolve(values['out-dir']) : undefined);
  console.log(`built ${path.relative(process.cwd(), file)}`);
}

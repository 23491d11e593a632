import { defineConfig } from 'vitest/config';

// Two projects:
//   unit: plain Node, fast. Tests beside their source (src/**/*.test.ts) and tests/unit/.
//   gpu:  tests/gpu/, run in Node but driving pages of ONE headless Chromium with WebGPU, which the
//         global setup launches together with ONE vite dev server. Runs after `unit`.
//
// GPU files run two at a time. On the CPU adapter (SwiftShader) one page's kernels already use every
// core, so a second worker only overlaps the per-file overhead (worker start, imports, page load): on 2
// cores, 6 files took 16.7 s one at a time and 14.6 s two at a time when compute-bound, 8.2 s and 6.5 s
// when overhead-bound; a third worker gained nothing. GPU_TEST_WORKERS=1 runs them one at a time.
const requestedWorkers = Number.parseInt(process.env.GPU_TEST_WORKERS ?? '', 10);
const gpuWorkers = requestedWorkers >= 1 ? requestedWorkers : 2;

export default defineConfig({
  test: {
    teardownTimeout: 60_000,
    projects: [
      {
        test: {
          name: 'unit',
          environment: 'node',
          include: ['tests/unit/**/*.test.ts', 'src/**/*.test.ts'],
          // Projects with different worker counts need their own group; groups run in this order.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'gpu',
          environment: 'node',
          include: ['tests/gpu/**/*.test.ts'],
          globalSetup: ['tests/harness/global-setup.ts'],
          sequence: { groupOrder: 1 },
          maxWorkers: gpuWorkers,
          fileParallelism: gpuWorkers > 1,
          // Shaders compile and run on the CPU here: generous limits.
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});

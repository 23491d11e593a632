import { defineConfig } from 'vitest/config';
import { KERNEL_TEST_FILES } from './tests/harness/kernel-files.ts';

// `npm run test:gles`: the kernel test files (tests/harness/kernel-files.ts) on a second WebGPU implementation,
// outside `npm test`: Dawn (npm `webgpu`) on its OpenGL ES backend over Mesa's llvmpipe, in Node (the Node
// backend of useGpuPage, tests/harness/node-page.ts), as WebGPU's compatibility mode (no core adapter there).
// Tint compiles the WGSL to GLSL ES and Mesa compiles that: another compiler path than SwiftShader's SPIR-V.
// Needs Debian's libegl-mesa0, libgles2 and libgl1-mesa-dri (.ci/run installs them when missing).
//
// Files run one at a time: llvmpipe already spreads a dispatch over every core.
//
// Explained GLES-only failures are skipped by name (KNOWN_FAILURES), each with its analysis; anything else that
// fails here and not in Chromium is a bug until explained.
// (none at present). Found and fixed here: BatchNorm's train-mode statistics (nn_batchnorm_stats.wgsl and its split
// version) came out with a variance too large. The kernel was correct WGSL: `let r = partial[0]; workgroupBarrier();`
// then every thread overwrites partial[]. Tint writes workgroupBarrier() as a bare GLSL barrier(), without
// memoryBarrierShared(), and Mesa 22.3's llvmpipe then moves the shared load of the mean past the barrier (its
// invocations run one after another between barriers), so threads after the first read thread 0's sum of squares
// as the mean. Probed on x = 1..15 in one channel: thread 0 saw mean 8, the others 3.27 = 49 / 15, the variance
// came out 46.8 instead of 18.7. One more workgroupBarrier() after the mean is read fixes it (in both kernels).
const KNOWN_FAILURES: Record<string, string> = {};
const skipped = Object.keys(KNOWN_FAILURES);
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
export default defineConfig({
  test: {
    name: 'gles',
    environment: 'node',
    include: KERNEL_TEST_FILES,
    provide: { nodeGpu: { flags: ['backend=opengles'] } },
    // No display: EGL's surfaceless platform (read when Dawn loads, in the test worker).
    env: { EGL_PLATFORM: 'surfaceless' },
    // (with no known failure, no pattern: an empty alternative would exclude every test)
    ...(skipped.length ? { testNamePattern: new RegExp(`^(?!.*(?:${skipped.map(escape).join('|')})$)`) } : {}),
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
  },
});

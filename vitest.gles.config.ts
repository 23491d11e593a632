import { defineConfig } from 'vitest/config';
import { KERNEL_TEST_FILES } from './tests/harness/kernel-files.ts';

// `npm run test:gles`: the kernel test files (tests/harness/kernel-files.ts) on a second WebGPU implementation,
// outside `npm test`: Dawn (npm `webgpu`) on its OpenGL ES backend over Mesa's llvmpipe, in Node (the Node
// backend of useGpuPage, tests/harness/node-page.ts), as WebGPU's compatibility mode (no core adapter there).
// Tint compiles the WGSL to GLSL ES and Mesa compiles that: another compiler path than SwiftShader's SPIR-V.
// Needs Debian's libegl-mesa0, libgles2 and libgl1-mesa-dri (.ci/run installs them when missing).
//
// Files run one at a time: llvmpipe already spreads a dispatch over every core.
export default defineConfig({
  test: {
    name: 'gles',
    environment: 'node',
    include: KERNEL_TEST_FILES,
    provide: { nodeGpu: { flags: ['backend=opengles'] } },
    // No display: EGL's surfaceless platform (read when Dawn loads, in the test worker).
    env: { EGL_PLATFORM: 'surfaceless' },
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
  },
});

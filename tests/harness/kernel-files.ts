// The kernel test files: the tests/gpu files that validate kernels against CPU references (float64 references,
// finite differences, PyTorch fixtures), the ones run again on other WebGPU implementations and rule sets:
// `npm run test:gles` (vitest.gles.config.ts) and the GPU run's correctness section (bench/gpu/sections/).
// They use the page only through useGpuPage().run, so they run unchanged on the Node backend (node-page.ts).

export const KERNEL_TEST_FILES = [
  'matmul',
  'conv',
  'conv-act',
  'depthwise',
  'pool',
  'relu-maxpool',
  'ops',
  'torch-ops',
  'torch-pieces',
  'torch-nonfinite',
  'cross-entropy',
  'autograd',
  'nn-batchnorm',
  'nn-layers',
  'edge-cases',
  'stripped-wgsl',
].map((name) => `tests/gpu/${name}.test.ts`);

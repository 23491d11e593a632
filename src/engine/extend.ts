// The extension point, exported as `extend`: what a user needs to write a custom kernel or op, and the kernel
// registries that pick (and let benchmarks and tests force) a kernel version. CONTRIBUTING.md walks through it.
//
//   const k = extend.defineKernel('my_op', wgsl, ['read', 'write'], { n: 'u32' }); // bindings, then WGSL's struct Params
//   const out = extend.emptyTensor(x.shape);
//   extend.launch(k, [x, out], { params: { n: x.size }, workgroups: [Math.ceil(x.size / 64), 1, 1] });
//   return extend.attach('my_op', [x], out, [x], (g, [x0]) => [backwardOf(g, x0!)]);  // its backward rule
//
// Everything here records work on the engine's own device and queue, in order with the built-in ops.

export {
  defineKernel, grid, MAX_WORKGROUPS_PER_DIM, type Kernel, type BindingKind, type FieldType, type ParamsFields, type ParamsValues,
} from '../shaders/kernel.ts';
export { emptyTensor, launch, type LaunchOptions } from './runtime/launch.ts';
export { attach, needsGrad, type BackwardRule } from './autograd.ts';
export { checkOperand, checkFloat } from './tensor.ts';
export { recorderStats, type RecorderStats } from './runtime/recorder.ts';
export { traceKernels, traceLaunches, type LaunchRecord } from './runtime/trace.ts';
export { kernelVersions, defineKernelVersions, type KernelVersion, type KernelVersionsSpec, type KernelPassInfo } from './runtime/kernel-registry.ts';
export { chooseMatmulVersion, type MatmulProblem } from './ops/matmul.ts';
export { conv2dPasses, type GemmTiles } from './ops/conv.ts';
export type { Conv2dGeometry, Conv2dPass } from './ops/conv-geometry.ts';

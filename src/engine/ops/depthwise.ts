// Depthwise conv2d (groups = C = O: one 2-D filter per channel, MobileNet's 3×3 layers), the dedicated
// kernels conv2d() runs for such shapes instead of the grouped implicit GEMM, whose tiles a 1-wide GEMM per
// group leaves mostly idle. Each pass has a naive v1 (any kernel, stride, padding, dilation: the reference)
// and a fast v2 for the shapes MobileNets use:
//   forward  depthwise_fwd_naive   / depthwise_fwd_tiled    (v2: 3×3, dilation 1, stride 1 or 2)
//   dgrad    depthwise_dgrad_naive / depthwise_dgrad_tiled  (v2: 3×3, dilation 1, stride 1 or 2)
//   wgrad    depthwise_wgrad_naive / depthwise_wgrad_split  (v2: 3×3, split over N·OH·OW + reduce)
// `depthwiseKernels.use` picks the version per pass: 'auto' (the default) runs v2 where it applies and v1
// elsewhere. conv2d takes this path only while its own pass is 'auto'; forcing conv2dKernels.use[pass] to a
// number runs the generic conv2d kernels on depthwise shapes too (the tests compare both).

import fwdNaiveWgsl from '../../shaders/depthwise_fwd_naive.wgsl?raw';
import fwdTiledWgsl from '../../shaders/depthwise_fwd_tiled.wgsl?raw';
import dgradNaiveWgsl from '../../shaders/depthwise_dgrad_naive.wgsl?raw';
import dgradTiledWgsl from '../../shaders/depthwise_dgrad_tiled.wgsl?raw';
import wgradNaiveWgsl from '../../shaders/depthwise_wgrad_naive.wgsl?raw';
import wgradSplitWgsl from '../../shaders/depthwise_wgrad_split.wgsl?raw';
import wgradReduceWgsl from '../../shaders/conv2d_wgrad_reduce.wgsl?raw';
import { MAX_WORKGROUPS_PER_DIM, defineKernel, grid } from '../../shaders/kernel.ts';
import { engineInfo } from '../device.ts';
import { EngineError } from '../errors.ts';
import { emptyTensor, launch } from '../launch.ts';
import type { Tensor } from '../tensor.ts';
import type { Conv2dGeometry, Conv2dPass } from './conv.ts';

const fwdNaiveKernel = defineKernel('depthwise_fwd_naive', fwdNaiveWgsl, ['read', 'read', 'read', 'write']);
const fwdTiledKernel = defineKernel('depthwise_fwd_tiled', fwdTiledWgsl, ['read', 'read', 'read', 'write']);
const dgradNaiveKernel = defineKernel('depthwise_dgrad_naive', dgradNaiveWgsl, ['read', 'read', 'write']);
const dgradTiledKernel = defineKernel('depthwise_dgrad_tiled', dgradTiledWgsl, ['read', 'read', 'write']);
const wgradNaiveKernel = defineKernel('depthwise_wgrad_naive', wgradNaiveWgsl, ['read', 'read', 'write']);
const wgradSplitKernel = defineKernel('depthwise_wgrad_split', wgradSplitWgsl, ['read', 'read', 'write']);
const wgradReduceKernel = defineKernel('conv2d_wgrad_reduce', wgradReduceWgsl, ['read', 'write']);

/** The tile of the v2 forward and input-gradient kernels (depthwise_*_tiled.wgsl): 8 rows × 32 columns. */
const TILE = { H: 8, W: 32 } as const;
/** Output positions one v2 weight-gradient workgroup sums at least (256 threads × 8 each). */
const WGRAD_MIN_CHUNK = 2048;
/** Workgroups the v2 weight gradient aims for (C · splits): a few per core on a CPU adapter, many on a GPU. */
const WGRAD_TARGET_WORKGROUPS = { gpu: 512, cpu: 8 };
const CPU_ADAPTER = /swiftshader|llvmpipe|lavapipe|warp/i;

/**
 * The depthwise kernel map, in the style of conv2dKernels: `versions` lists what each pass has (the WGSL
 * headers' tables list the same), `defaults` names the default, `use` is what runs now ('auto': v2 where
 * it applies, else v1); tests and benchmarks assign to it and call reset() after.
 */
export const depthwiseKernels = {
  versions: {
    forward: { 1: 'depthwise_fwd_naive: one thread per output', 2: 'depthwise_fwd_tiled: 8×32 tile, input window in workgroup memory' },
    dgrad: { 1: 'depthwise_dgrad_naive: one thread per input pixel, gather', 2: 'depthwise_dgrad_tiled: 8×32 tile, gradient window in workgroup memory' },
    wgrad: { 1: 'depthwise_wgrad_naive: one thread per weight', 2: 'depthwise_wgrad_split: workgroup per channel × split, tree reduction' },
  } as const satisfies Record<Conv2dPass, Record<number, string>>,
  defaults: Object.freeze({ forward: 2, dgrad: 2, wgrad: 2 }) as Readonly<Record<Conv2dPass, number>>,
  use: { forward: 'auto', dgrad: 'auto', wgrad: 'auto' } as Record<Conv2dPass, number | 'auto'>,
  reset(): void {
    Object.assign(this.use, { forward: 'auto', dgrad: 'auto', wgrad: 'auto' });
  },
};

/** Whether conv2d geometry `d` is a depthwise conv with one filter per channel (channel multiplier 1). */
export function isDepthwise(d: Conv2dGeometry): boolean {
  return d.groups === d.C && d.O === d.C && d.groups > 1;
}

/** Whether the v2 kernels of `pass` take this shape. */
function v2Applies(pass: Conv2dPass, d: Conv2dGeometry): boolean {
  if (d.kH !== 3 || d.kW !== 3) return false;
  if (pass === 'wgrad') return true;
  return d.dH === 1 && d.dW === 1 && d.sH === d.sW && (d.sH === 1 || d.sH === 2);
}

/** The version of `pass` to run on `d`: the forced one, or 'auto' → v2 where it applies. */
export function depthwiseVersion(pass: Conv2dPass, d: Conv2dGeometry): number {
  const forced = depthwiseKernels.use[pass];
  const v = forced === 'auto' ? (v2Applies(pass, d) ? depthwiseKernels.defaults[pass] : 1) : forced;
  if (!(v in depthwiseKernels.versions[pass])) {
    throw new EngineError(`depthwise conv2d: no ${pass} kernel version ${v}; registered: ${Object.keys(depthwiseKernels.versions[pass]).join(', ')}`);
  }
  if (v === 2 && !v2Applies(pass, d)) {
    throw new EngineError(
      `depthwise conv2d: ${pass} v2 needs a 3×3 kernel${pass === 'wgrad' ? '' : ', dilation 1 and stride 1 or 2'}, got kernel [${d.kH},${d.kW}] stride [${d.sH},${d.sW}] dilation [${d.dH},${d.dW}]`,
    );
  }
  return v;
}

function uniforms(d: Conv2dGeometry, splits = 1, chunk = 0): number[] {
  return [d.N, d.C, d.H, d.W, d.O, d.OH, d.OW, d.groups, d.kH, d.kW, d.sH, d.sW, d.pH, d.pW, d.dH, d.dW, splits, chunk, 0, 0];
}

function tiledWorkgroups(d: Conv2dGeometry, h: number, w: number, what: string): [number, number, number] {
  const planes = d.N * d.C;
  if (planes > MAX_WORKGROUPS_PER_DIM) throw new EngineError(`depthwise conv2d: the ${what} needs ${planes} workgroups along z (N·C), more than ${MAX_WORKGROUPS_PER_DIM}`);
  return [Math.ceil(w / TILE.W), Math.ceil(h / TILE.H), planes];
}

// ------------------------------------------------------------------ the passes

/** y = depthwise conv(x, w) + b into `out` [N, C, OH, OW]. */
export function depthwiseForward(x: Tensor, w: Tensor, b: Tensor | null, d: Conv2dGeometry, out: Tensor): void {
  if (depthwiseVersion('forward', d) === 1) {
    launch(fwdNaiveKernel, [x, w, b ?? w, out], { uniforms: uniforms(d), constants: { HAS_BIAS: b ? 1 : 0 }, workgroups: grid(Math.ceil(out.size / 64)), label: 'depthwise.forward' });
    return;
  }
  launch(fwdTiledKernel, [x, w, b ?? w, out], {
    uniforms: uniforms(d),
    constants: { HAS_BIAS: b ? 1 : 0, STRIDE: d.sH },
    workgroups: tiledWorkgroups(d, d.OH, d.OW, 'forward'),
    label: 'depthwise.forward',
  });
}

/** dx [N, C, H, W] for the output gradient g [N, C, OH, OW]. */
export function depthwiseInputGrad(g: Tensor, w: Tensor, d: Conv2dGeometry): Tensor {
  const dx = emptyTensor([d.N, d.C, d.H, d.W]);
  if (depthwiseVersion('dgrad', d) === 1) {
    launch(dgradNaiveKernel, [g, w, dx], { uniforms: uniforms(d), workgroups: grid(Math.ceil(dx.size / 64)), label: 'depthwise.dgrad' });
    return dx;
  }
  launch(dgradTiledKernel, [g, w, dx], { uniforms: uniforms(d), constants: { STRIDE: d.sH }, workgroups: tiledWorkgroups(d, d.H, d.W, 'input gradient'), label: 'depthwise.dgrad' });
  return dx;
}

/** dw [C, 1, kH, kW] for the output gradient g [N, C, OH, OW]. */
export function depthwiseWeightGrad(g: Tensor, x: Tensor, d: Conv2dGeometry): Tensor {
  const dw = emptyTensor([d.C, 1, d.kH, d.kW]);
  if (depthwiseVersion('wgrad', d) === 1) {
    launch(wgradNaiveKernel, [g, x, dw], { uniforms: uniforms(d), workgroups: grid(Math.ceil(dw.size / 64)), label: 'depthwise.wgrad' });
    return dw;
  }
  const R = d.N * d.OH * d.OW;
  const target = CPU_ADAPTER.test(engineInfo().adapter) ? WGRAD_TARGET_WORKGROUPS.cpu : WGRAD_TARGET_WORKGROUPS.gpu;
  const wanted = Math.max(1, Math.min(Math.ceil(target / d.C), Math.floor(R / WGRAD_MIN_CHUNK), MAX_WORKGROUPS_PER_DIM));
  const chunk = Math.ceil(R / wanted);
  const splits = Math.ceil(R / chunk);
  if (d.C > MAX_WORKGROUPS_PER_DIM) throw new EngineError(`depthwise conv2d: the weight gradient needs ${d.C} workgroups along x, more than ${MAX_WORKGROUPS_PER_DIM}`);
  if (splits === 1) {
    launch(wgradSplitKernel, [g, x, dw], { uniforms: uniforms(d, 1, chunk), workgroups: [d.C, 1, 1], label: 'depthwise.wgrad' });
    return dw;
  }
  const part = emptyTensor([splits, d.C, 9]);
  launch(wgradSplitKernel, [g, x, part], { uniforms: uniforms(d, splits, chunk), workgroups: [d.C, splits, 1], label: 'depthwise.wgrad' });
  launch(wgradReduceKernel, [part, dw], { uniforms: [dw.size, splits], workgroups: grid(Math.ceil(dw.size / 64)), label: 'depthwise.wgrad_reduce' });
  part.dispose();
  return dw;
}

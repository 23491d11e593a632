// prepareImages: a batch of uint8 RGBA images of any sizes → the float32 [N, C, H, W] batch a trunk wants, on
// the GPU, following torchvision 0.14's transforms on float images with antialias=True:
//   eval (no `augment`): resize (the shorter side to `resizeShorter`, the longer int(s·long/short), then a centre
//     crop to `size`, top = round((h − H)/2) half to even; or straight to `size` when resizeShorter is null),
//   augment (per image, from drawAugmentations in image-augment.ts): resized_crop(box → size), hflip, colour
//     jitter in the drawn order,
//   then gray (ITU-R 601-2 luma) when channels is 1, and (v − mean)/std on values in [0, 1].
// A gray photo arrives as RGBA with R = G = B, so gray → RGB needs nothing; RGB → gray is the luma. Alpha is
// ignored (as torchvision's convert('RGB') and src/models/image.ts do).
// The host packs every image's bytes into one buffer of u32 words (one RGBA pixel a word: the engine has no
// uint8 dtype) and a table of 16 words per image (offset, stride, box, resized size, crop offset, flip, jitter),
// then launches image_resize.wgsl (one thread per output pixel) and, when a jitter step is drawn,
// image_jitter.wgsl (one workgroup per image). src/models/image.ts's CPU path is the reference it replaces.
//
// Measured (tests/gpu/image-prep.test.ts's timing line: 32 photos of 96×96 → 64×64 RGB, normalized, one
// image_resize dispatch, including the upload and the readback): 37–60 ms a batch on SwiftShader (headless
// Chromium's CPU WebGPU) on the shared 2-core box, 2026-12-07; not yet timed on a GPU.
// Parity with torchvision (same test): max error 7.8e-6 on every fixture, the fixtures' uint16 quantization.
//
// The image and spec types are structural, so src/data's RgbaImage and InputSpec (src/data/types.ts) fit them
// without the engine importing upward.

import imageJitterWgsl from '../../shaders/image_jitter.wgsl?raw';
import imageResizeWgsl from '../../shaders/image_resize.wgsl?raw';
import { defineKernel, grid } from '../../shaders/kernel.ts';
import { EngineError, ShapeError } from '../errors.ts';
import { checkOptions } from '../options.ts';
import { checkAllocation, emptyTensor, launch } from '../runtime/launch.ts';
import type { Tensor } from '../tensor.ts';
import { upload } from './creation.ts';
import { JITTER_STEPS, drawAugmentations, roundHalfEven, type AugmentConfig, type ImageAugmentation, type JitterStep } from './image-augment.ts';

/** RGBA pixels, row-major, 4 bytes a pixel (src/data's RgbaImage, an ImageData). */
export interface ImagePixels {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

/** What prepareImages reads of src/data's InputSpec. */
export interface ImageInputSpec {
  size: readonly [number, number];
  channels: 1 | 3;
  resizeShorter: number | null;
  mean: readonly number[];
  std: readonly number[];
}

export interface PrepareImagesOptions {
  /**
   * Augmentation (training batches): one entry per image (from drawAugmentations), or true / an AugmentConfig to
   * draw them here from the engine's stream (or the config's seed). Its crop box resized to `size` replaces the
   * eval resize and centre crop. Default false.
   */
  augment?: readonly ImageAugmentation[] | AugmentConfig | boolean;
  /** The op named in errors and traces (default 'prepareImages'). */
  op?: string;
}

const PREP_PARAMS = { n: 'u32', channels: 'u32', height: 'u32', width: 'u32', finish: 'u32', mean: 'vec4<f32>', inv_std: 'vec4<f32>' } as const;
const resizeKernel = defineKernel('image_resize', imageResizeWgsl, ['read', 'read', 'write'], PREP_PARAMS);
const jitterKernel = defineKernel('image_jitter', imageJitterWgsl, ['write', 'read', 'write'], PREP_PARAMS);

/** Words per image in the table both kernels read (see image_resize.wgsl's header). */
const ROW = 16;

const isPositiveInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1;

function checkSpec(op: string, input: ImageInputSpec): void {
  const { size, channels, resizeShorter, mean, std } = input ?? ({} as ImageInputSpec);
  if (!Array.isArray(size) || size.length !== 2 || !size.every(isPositiveInt)) {
    throw new ShapeError(`${op}: input.size must be [height, width] positive integers, got ${JSON.stringify(size)}`);
  }
  if (channels !== 1 && channels !== 3) throw new ShapeError(`${op}: input.channels must be 1 or 3, got ${channels}`);
  if (resizeShorter !== null && !isPositiveInt(resizeShorter)) {
    throw new ShapeError(`${op}: input.resizeShorter must be a positive integer or null, got ${resizeShorter}`);
  }
  for (const [name, v] of [['mean', mean], ['std', std]] as const) {
    if (!Array.isArray(v) || v.length !== channels || !v.every(Number.isFinite)) {
      throw new EngineError(`${op}: input.${name} must hold ${channels} finite numbers, got ${JSON.stringify(v)}`);
    }
  }
  if (std.some((s) => s === 0)) throw new EngineError(`${op}: input.std must not contain 0, got ${JSON.stringify(std)}`);
}

function checkImage(op: string, img: ImagePixels, i: number): void {
  const ok = img && (img.data instanceof Uint8Array || img.data instanceof Uint8ClampedArray) && isPositiveInt(img.width) && isPositiveInt(img.height);
  if (!ok) throw new TypeError(`${op}: image ${i} must be { data: Uint8Array | Uint8ClampedArray, width, height } with positive integer sizes`);
  if (img.data.length !== img.width * img.height * 4) {
    throw new ShapeError(`${op}: image ${i} has ${img.data.length} bytes, ${img.height}×${img.width} RGBA needs ${img.width * img.height * 4}`);
  }
}

function checkAugment(op: string, a: ImageAugmentation, img: ImagePixels, i: number): void {
  const [top, left, h, w] = a?.box ?? [];
  const inside = [top, left].every((v) => Number.isInteger(v) && (v as number) >= 0) && isPositiveInt(h) && isPositiveInt(w);
  if (!inside || top! + h! > img.height || left! + w! > img.width) {
    const box = JSON.stringify(a?.box);
    throw new ShapeError(`${op}: augment[${i}].box ${box} (top, left, height, width) does not lie in image ${i} (${img.height}×${img.width})`);
  }
  if (typeof a.flip !== 'boolean') throw new TypeError(`${op}: augment[${i}].flip must be a boolean, got ${a.flip}`);
  const order = a.order ?? [];
  if (order.length > 3 || new Set(order).size !== order.length || !order.every((s) => JITTER_STEPS.includes(s))) {
    throw new EngineError(`${op}: augment[${i}].order must list distinct steps of ${JITTER_STEPS.join(', ')}, got ${JSON.stringify(order)}`);
  }
  for (const s of JITTER_STEPS) if (!(Number.isFinite(a[s]) && a[s] >= 0)) throw new EngineError(`${op}: augment[${i}].${s} must be a factor ≥ 0, got ${a[s]}`);
}

/** The resized grid and the window's offset in it for an eval image (torchvision Resize + CenterCrop). */
function evalGeometry(op: string, img: ImagePixels, input: ImageInputSpec, i: number): [number, number, number, number] {
  const [H, W] = input.size;
  const s = input.resizeShorter;
  if (s === null) return [H, W, 0, 0];
  const [rh, rw] = img.width <= img.height ? [Math.trunc((s * img.height) / img.width), s] : [s, Math.trunc((s * img.width) / img.height)];
  if (H > rh || W > rw) throw new ShapeError(`${op}: a ${H}×${W} centre crop does not fit image ${i} resized to ${rh}×${rw} (resizeShorter ${s})`);
  return [rh, rw, roundHalfEven((rh - H) / 2), roundHalfEven((rw - W) / 2)];
}

/** The per-image parameters `augment` asks for (undefined: none); a config is checked and drawn after the images. */
function augmentations(op: string, images: readonly ImagePixels[], augment: PrepareImagesOptions['augment']): readonly ImageAugmentation[] | undefined {
  if (augment === undefined || augment === false) return undefined;
  if (Array.isArray(augment)) return augment as readonly ImageAugmentation[];
  if (augment !== true && (augment === null || typeof augment !== 'object')) {
    throw new TypeError(`${op}: augment must be a boolean, an AugmentConfig or one entry per image, got ${augment}`);
  }
  return drawAugmentations(images, augment === true ? {} : (augment as AugmentConfig));
}

/**
 * Prepares a batch for a trunk: [N, input.channels, ...input.size] float32, owned by the caller. Throws, before
 * any GPU work, on an image whose bytes do not match its size, a bad spec, a centre crop larger than the resized
 * image, or augmentation parameters that do not fit their image.
 */
export function prepareImages(images: readonly ImagePixels[], input: ImageInputSpec, options: PrepareImagesOptions = {}): Tensor {
  checkOptions('prepareImages', options, ['augment', 'op']);
  const op = options.op ?? 'prepareImages';
  if (!Array.isArray(images) || images.length === 0) throw new EngineError(`${op}: expected a non-empty array of images`);
  checkSpec(op, input);
  images.forEach((img, i) => checkImage(op, img, i));
  const augment = augmentations(op, images, options.augment);
  if (augment !== undefined) {
    if (!Array.isArray(augment) || augment.length !== images.length) {
      throw new EngineError(`${op}: augment must hold one entry per image (${images.length}), got ${Array.isArray(augment) ? augment.length : typeof augment}`);
    }
    augment.forEach((a, i) => checkAugment(op, a, images[i]!, i));
  }
  const N = images.length;
  const [H, W] = input.size;
  const C = input.channels;
  const total = images.reduce((s, img) => s + img.width * img.height, 0);
  checkAllocation(op, [total], 'int32');
  checkAllocation(op, [N, 3, H, W]);
  const bytes = new Uint8Array(total * 4);
  const table = new Int32Array(N * ROW);
  const tableF = new Float32Array(table.buffer);
  let offset = 0;
  images.forEach((img, i) => {
    bytes.set(img.data, offset * 4);
    const a = augment?.[i];
    const [rh, rw, oy, ox] = a ? [H, W, 0, 0] : evalGeometry(op, img, input, i);
    const [top, left, bh, bw] = a ? a.box : [0, 0, img.height, img.width];
    table.set([offset, img.width, top, left, bh, bw, rh, rw, oy, ox, a?.flip ? 1 : 0], i * ROW);
    if (a) {
      const codes = [a.order.length, ...a.order.map((step: JitterStep) => JITTER_STEPS.indexOf(step) + 1)];
      table[i * ROW + 11] = codes.reduce((code, v, k) => code | (v << (4 * k)), 0);
      tableF.set([a.brightness, a.contrast, a.saturation], i * ROW + 12);
    }
    offset += img.width * img.height;
  });
  const jitter = augment?.some((a) => a.order.length > 0) ?? false;
  const mean = [...input.mean, 0, 0, 0].slice(0, 4);
  const invStd = [...input.std.map((s) => 1 / s), 1, 1, 1].slice(0, 4);
  const pixels = upload(new Int32Array(bytes.buffer), [total], 'int32');
  const rows = upload(table, [N * ROW], 'int32');
  const out = emptyTensor([N, C, H, W], 'float32', op);
  const n = N * H * W;
  const common = { height: H, width: W, mean, inv_std: invStd };
  const perPixel = grid(Math.ceil(n / 256));
  if (!jitter) {
    launch(resizeKernel, [pixels, rows, out], { params: { ...common, n, channels: C, finish: 1 }, workgroups: perPixel, label: op });
  } else {
    const rgb = emptyTensor([N, 3, H, W], 'float32', op);
    launch(resizeKernel, [pixels, rows, rgb], { params: { ...common, n, channels: 3, finish: 0 }, workgroups: perPixel, label: op });
    launch(jitterKernel, [rgb, rows, out], { params: { ...common, n: N, channels: C, finish: 1 }, workgroups: grid(N), label: `${op}.jitter` });
    rgb.dispose();
  }
  pixels.dispose();
  rows.dispose();
  return out;
}

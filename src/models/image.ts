// Images in: an ImageData, ImageBitmap, canvas, <img>, <video> or VideoFrame (or raw RGBA bytes) to the NCHW
// float32 tensor torchvision's ImageNet models expect, the way torchvision 0.14 prepares a uint8 image tensor
// (torchvision.io.read_image → weights.transforms(), the ImageClassification preset):
//
//   1. resize so the shorter side is `resize` (256), the longer int(256·long/short): bilinear, align_corners
//      False, antialias False (torchvision 0.14's default for tensors; PIL images were antialiased), computed
//      in float32 and rounded half-to-even back to uint8, as torchvision does for a uint8 tensor.
//      `antialias: true` instead runs PyTorch's antialiased bilinear (_upsample_bilinear2d_aa, PIL's triangle
//      filter), the default from torchvision 0.17 on.
//   2. centre crop `crop` × `crop` (224): top = round((h − 224)/2), left likewise, Python's round (half-even).
//   3. /255, then (x − mean)/std with ImageNet's mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225).
//
// The work is done on the CPU in float32 (one image of 256 × 341 is about 0.3 M multiply-adds), the result
// uploaded once. The alpha channel is dropped.

import { EngineError, Tensor, tensor } from '../engine/internal.ts';

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/** RGBA pixels, row-major (an ImageData has this shape). */
export interface RgbaPixels {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

/** What imageToTensor reads: decoded pixels, or anything a 2-D canvas can draw. */
export type ImageSource = RgbaPixels | CanvasImageSource | VideoFrame;

export interface ImageToTensorOptions {
  /** Shorter side after resizing (default 256); null keeps the size. */
  resize?: number | null;
  /** Side of the centre crop (default 224); null keeps the whole image. */
  crop?: number | null;
  /** Antialiased resize (default false: torchvision 0.14's default for tensors). */
  antialias?: boolean;
  /** Per-channel mean and std (default ImageNet's); null skips normalization (values in [0, 1]). */
  mean?: readonly [number, number, number] | null;
  std?: readonly [number, number, number];
}

/**
 * One image → [1, 3, crop, crop], several (an array) → [N, 3, crop, crop] (they must come out the same size).
 * The caller owns the tensor.
 */
export function imageToTensor(source: ImageSource | readonly ImageSource[], options: ImageToTensorOptions = {}): Tensor {
  const list = Array.isArray(source) ? (source as readonly ImageSource[]) : [source as ImageSource];
  if (list.length === 0) throw new EngineError('imageToTensor: no images');
  const planes = list.map((s, i) => preprocess(readPixels(s, i), options));
  const { h, w } = planes[0]!;
  planes.forEach((p, i) => {
    if (p.h !== h || p.w !== w) {
      throw new EngineError(`imageToTensor: image ${i} gives ${p.h}×${p.w}, image 0 ${h}×${w}: pass a crop size so all images come out alike`);
    }
  });
  const out = new Float32Array(list.length * 3 * h * w);
  planes.forEach((p, i) => out.set(p.data, i * 3 * h * w));
  return tensor(out, [list.length, 3, h, w]);
}

/** The preprocessing on host memory: RGBA pixels → normalized CHW float32 (exported for tests). */
export function preprocess(px: RgbaPixels, options: ImageToTensorOptions = {}): { data: Float32Array; h: number; w: number } {
  const resize = options.resize === undefined ? 256 : options.resize;
  const crop = options.crop === undefined ? 224 : options.crop;
  const mean = options.mean === undefined ? IMAGENET_MEAN : options.mean;
  const std = options.std ?? IMAGENET_STD;
  let { width: W, height: H } = px;
  // CHW float planes of the 8-bit values.
  let chw: Float32Array = new Float32Array(3 * H * W);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) chw[(c * H + y) * W + x] = px.data[(y * W + x) * 4 + c]!;
  if (resize !== null) {
    if (!Number.isInteger(resize) || resize < 1) throw new EngineError(`imageToTensor: resize must be a positive integer or null, got ${resize}`);
    const [nh, nw] = W <= H ? [Math.trunc((resize * H) / W), resize] : [resize, Math.trunc((resize * W) / H)];
    if (nh !== H || nw !== W) {
      chw = resizeChw(chw, H, W, nh, nw, options.antialias ?? false);
      for (let i = 0; i < chw.length; i++) chw[i] = roundHalfEven(chw[i]!); // back to uint8, as torchvision
      H = nh;
      W = nw;
    }
  }
  let top = 0;
  let left = 0;
  let oh = H;
  let ow = W;
  if (crop !== null) {
    if (!Number.isInteger(crop) || crop < 1) throw new EngineError(`imageToTensor: crop must be a positive integer or null, got ${crop}`);
    if (crop > H || crop > W) throw new EngineError(`imageToTensor: a ${crop}×${crop} crop does not fit a ${H}×${W} image (after resizing to ${resize})`);
    top = roundHalfEven((H - crop) / 2);
    left = roundHalfEven((W - crop) / 2);
    oh = ow = crop;
  }
  const out = new Float32Array(3 * oh * ow);
  const f = Math.fround;
  for (let c = 0; c < 3; c++) {
    const m = mean ? f(mean[c]!) : 0;
    const s = mean ? f(std[c]!) : 1;
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        const v = f(chw[(c * H + y + top) * W + x + left]! / 255);
        out[(c * oh + y) * ow + x] = mean ? f(f(v - m) / s) : v;
      }
    }
  }
  return { data: out, h: oh, w: ow };
}

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Separable resize of CHW float planes: along rows, then columns (PyTorch's h0·(w0·a + w1·b) + h1·(…) order). */
function resizeChw(src: Float32Array, H: number, W: number, nh: number, nw: number, antialias: boolean): Float32Array {
  const wy = antialias ? aaWeights(H, nh) : linearWeights(H, nh);
  const wx = antialias ? aaWeights(W, nw) : linearWeights(W, nw);
  const f = Math.fround;
  // Horizontal pass: [3, H, nw]
  const tmp = new Float32Array(3 * H * nw);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < H; y++) {
      const row = (c * H + y) * W;
      for (let x = 0; x < nw; x++) {
        const t = wx[x]!;
        let acc = 0;
        for (let k = 0; k < t.weights.length; k++) acc = f(acc + f(src[row + t.index[k]!]! * t.weights[k]!));
        tmp[(c * H + y) * nw + x] = acc;
      }
    }
  }
  const out = new Float32Array(3 * nh * nw);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < nh; y++) {
      const t = wy[y]!;
      for (let x = 0; x < nw; x++) {
        let acc = 0;
        for (let k = 0; k < t.weights.length; k++) acc = f(acc + f(tmp[(c * H + t.index[k]!) * nw + x]! * t.weights[k]!));
        out[(c * nh + y) * nw + x] = acc;
      }
    }
  }
  return out;
}

/** The input indices an output pixel reads along one axis, and their weights. */
interface Taps {
  index: number[];
  weights: number[];
}

/** Bilinear, align_corners=False, no antialias: src = max((dst + 0.5)·in/out − 0.5, 0), two taps. */
function linearWeights(inSize: number, outSize: number): Taps[] {
  const f = Math.fround;
  const scale = f(inSize / outSize);
  const out: Taps[] = [];
  for (let d = 0; d < outSize; d++) {
    const s = Math.max(f(f(scale * f(d + 0.5)) - 0.5), 0);
    const i0 = Math.floor(s);
    const l1 = f(s - i0);
    const l0 = f(1 - l1);
    out.push({ index: [i0, i0 < inSize - 1 ? i0 + 1 : i0], weights: [l0, l1] }); // PyTorch reads the last pixel twice at the edge
  }
  return out;
}

/** PyTorch's antialiased bilinear (triangle filter widened by the downscale factor, weights normalized). */
function aaWeights(inSize: number, outSize: number): Taps[] {
  const scale = inSize / outSize;
  const support = scale >= 1 ? scale : 1;
  const invscale = scale >= 1 ? 1 / scale : 1;
  const out: Taps[] = [];
  for (let d = 0; d < outSize; d++) {
    const center = scale * (d + 0.5);
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize);
    const weights: number[] = [];
    let total = 0;
    for (let j = 0; j < xmax - xmin; j++) {
      const x = Math.abs((j + xmin - center + 0.5) * invscale);
      const w = x < 1 ? 1 - x : 0;
      weights.push(w);
      total += w;
    }
    out.push({ index: weights.map((_w, j) => xmin + j), weights: weights.map((w) => Math.fround(total === 0 ? 0 : w / total)) });
  }
  return out;
}

/** RGBA pixels of any source, via a 2-D canvas for what is not already pixels. */
function readPixels(source: ImageSource, index: number): RgbaPixels {
  const s = source as Partial<RgbaPixels> & Record<string, unknown>;
  if (s && (s.data instanceof Uint8ClampedArray || s.data instanceof Uint8Array) && typeof s.width === 'number' && typeof s.height === 'number') {
    if (s.data.length !== s.width * s.height * 4) {
      throw new EngineError(`imageToTensor: image ${index} has ${s.data.length} bytes, ${s.width}×${s.height} RGBA needs ${s.width * s.height * 4}`);
    }
    return s as RgbaPixels;
  }
  const dims = sizeOf(source);
  if (!dims) throw new TypeError(`imageToTensor: image ${index} is not an ImageData, ImageBitmap, canvas, <img>, <video> or VideoFrame`);
  const { width, height } = dims;
  if (width < 1 || height < 1) throw new EngineError(`imageToTensor: image ${index} is empty (${width}×${height}; a <video> must have loaded a frame)`);
  if (typeof OffscreenCanvas === 'undefined') {
    throw new EngineError('imageToTensor: decoding a canvas image source needs OffscreenCanvas (a browser); pass { data, width, height } pixels instead');
  }
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new EngineError('imageToTensor: no 2-D canvas context');
  ctx.drawImage(source as CanvasImageSource, 0, 0);
  return ctx.getImageData(0, 0, width, height);
}

function sizeOf(source: ImageSource): { width: number; height: number } | null {
  const s = source as unknown as Record<string, number>;
  if (typeof VideoFrame !== 'undefined' && source instanceof VideoFrame) return { width: source.displayWidth, height: source.displayHeight };
  if (typeof HTMLVideoElement !== 'undefined' && source instanceof HTMLVideoElement) return { width: source.videoWidth, height: source.videoHeight };
  if (typeof HTMLImageElement !== 'undefined' && source instanceof HTMLImageElement) return { width: source.naturalWidth, height: source.naturalHeight };
  if (typeof s.width === 'number' && typeof s.height === 'number') return { width: s.width, height: s.height };
  return null;
}

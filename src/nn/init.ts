// nn.init: PyTorch's parameter initializers (torch.nn.init), in camelCase and in place: each fills the given
// float32 tensor (a Parameter, say) and returns it. Random ones draw from the engine's random stream
// (src/engine/random.ts), so `manualSeed(s)` makes them repeatable; the values are not PyTorch's (another
// generator), their distributions are.
//
//   nn.init.kaimingUniform(conv.weight, { a: Math.sqrt(5) });   nn.init.zeros(conv.bias!);
//
// Fans follow torch.nn.init: for a weight [out, in, ...kernel], fanIn = in·prod(kernel), fanOut = out·prod(kernel).

import { DTypeError, EngineError, ShapeError, fmtShape, Tensor, checkOptions, copyInto, full, rand, randn, checkOperand } from '../engine/internal.ts';

/** The nonlinearities calculateGain knows (PyTorch's names in camelCase). */
export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu';
const NONLINEARITIES: readonly Nonlinearity[] = ['linear', 'conv1d', 'conv2d', 'conv3d', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'selu'];

/** The recommended gain for a nonlinearity (torch.nn.init.calculate_gain); `param` is leakyRelu's slope (default 0.01). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d': case 'sigmoid': return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leakyRelu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || !Number.isFinite(slope)) throw new EngineError(`calculateGain: negative slope ${String(param)} is not a number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu': return 3 / 4;
    default:
      throw new EngineError(`calculateGain: unknown nonlinearity ${JSON.stringify(nonlinearity)}; known: ${NONLINEARITIES.join(', ')}`);
  }
}

function target(op: string, t: Tensor): void {
  checkOperand(op, t, 'tensor');
  if (t.dtype !== 'float32') throw new DTypeError(`${op}: expected a float32 tensor, got ${t.describe()}`);
}

/** fanIn and fanOut of a weight of rank ≥ 2 (torch.nn.init._calculate_fan_in_and_fan_out). */
export function fans(op: string, shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) throw new ShapeError(`${op}: fan in and fan out need a tensor with at least 2 dims, got ${fmtShape(shape)}`);
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

/** Copies `values` (a new tensor of t's shape) into t and releases it. */
function fill(t: Tensor, values: Tensor): Tensor {
  copyInto(t, values);
  values.dispose();
  return t;
}

/** U(low, high), in place (torch.nn.init.uniform_). */
export function uniform(t: Tensor, options: { low?: number; high?: number } = {}): Tensor {
  target('init.uniform', t);
  checkOptions('init.uniform', options, ['low', 'high']);
  return fill(t, rand(t.shape, { low: options.low ?? 0, high: options.high ?? 1 }));
}

/** N(mean, std²), in place (torch.nn.init.normal_). */
export function normal(t: Tensor, options: { mean?: number; std?: number } = {}): Tensor {
  target('init.normal', t);
  checkOptions('init.normal', options, ['mean', 'std']);
  return fill(t, randn(t.shape, { mean: options.mean ?? 0, std: options.std ?? 1 }));
}

/** Every element `value`, in place (torch.nn.init.constant_). */
export function constant(t: Tensor, value: number): Tensor {
  target('init.constant', t);
  if (typeof value !== 'number') throw new TypeError(`init.constant: value must be a number, got ${typeof value}`);
  return fill(t, full(t.shape, value));
}

export const zeros = (t: Tensor): Tensor => constant(t, 0);
export const ones = (t: Tensor): Tensor => constant(t, 1);

export interface KaimingOptions {
  /** leakyRelu's negative slope (default 0: plain ReLU). */
  a?: number;
  /** 'fanIn' (default) keeps the forward pass's variance, 'fanOut' the backward pass's. */
  mode?: 'fanIn' | 'fanOut';
  /** Default 'leakyRelu' (with `a`), as in PyTorch. */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(op: string, t: Tensor, options: KaimingOptions): number {
  target(op, t);
  checkOptions(op, options, ['a', 'mode', 'nonlinearity']);
  const mode = options.mode ?? 'fanIn';
  if (mode !== 'fanIn' && mode !== 'fanOut') throw new EngineError(`${op}: mode must be 'fanIn' or 'fanOut', got ${JSON.stringify(mode)}`);
  const { fanIn, fanOut } = fans(op, t.shape);
  const fan = mode === 'fanIn' ? fanIn : fanOut;
  if (fan === 0) throw new ShapeError(`${op}: cannot initialize ${t.describe()}: its ${mode} is 0`);
  return calculateGain(options.nonlinearity ?? 'leakyRelu', options.a ?? 0) / Math.sqrt(fan);
}

/** U(−b, b) with b = gain·sqrt(3 / fan) (He et al.), in place (torch.nn.init.kaiming_uniform_). */
export function kaimingUniform(t: Tensor, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd('init.kaimingUniform', t, options);
  return fill(t, rand(t.shape, { low: -bound, high: bound }));
}

/** N(0, std²) with std = gain / sqrt(fan), in place (torch.nn.init.kaiming_normal_). */
export function kaimingNormal(t: Tensor, options: KaimingOptions = {}): Tensor {
  return fill(t, randn(t.shape, { std: kaimingStd('init.kaimingNormal', t, options) }));
}

function xavierStd(op: string, t: Tensor, options: { gain?: number }): number {
  target(op, t);
  checkOptions(op, options, ['gain']);
  const { fanIn, fanOut } = fans(op, t.shape);
  if (fanIn + fanOut === 0) throw new ShapeError(`${op}: cannot initialize ${t.describe()}: fanIn + fanOut is 0`);
  return (options.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut));
}

/** U(−b, b) with b = gain·sqrt(6 / (fanIn + fanOut)) (Glorot & Bengio), in place (torch.nn.init.xavier_uniform_). */
export function xavierUniform(t: Tensor, options: { gain?: number } = {}): Tensor {
  const bound = Math.sqrt(3) * xavierStd('init.xavierUniform', t, options);
  return fill(t, rand(t.shape, { low: -bound, high: bound }));
}

/** N(0, std²) with std = gain·sqrt(2 / (fanIn + fanOut)), in place (torch.nn.init.xavier_normal_). */
export function xavierNormal(t: Tensor, options: { gain?: number } = {}): Tensor {
  return fill(t, randn(t.shape, { std: xavierStd('init.xavierNormal', t, options) }));
}

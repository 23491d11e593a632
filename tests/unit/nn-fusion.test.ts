// nn.Sequential's fusion plan (src/nn/fusion.ts) on stand-in modules that record what ran: a layer takes the
// activation after it when its hook lists that activation, a pool takes the ReLU before it and wins over the
// layer before the ReLU, and a subclass that overrides forward does not fuse. The real layers' fused values
// and gradients are checked on the GPU (nn-batchnorm, conv-act, relu-maxpool, nn-layers).

import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/engine/internal.ts';
import { FUSION, fusionOf, sequentialStep, type Fusion, type FusedActivation } from '../../src/nn/fusion.ts';
import { Module } from '../../src/nn/module.ts';

const trace: string[] = [];
const x = {} as Tensor;

class Act extends Module {
  constructor(readonly act: FusedActivation | 'gelu') {
    super();
  }
  forward(y: Tensor): Tensor {
    trace.push(this.act);
    return y;
  }
  [FUSION](): Fusion {
    return this.act === 'gelu' ? {} : { activation: this.act };
  }
}

/** A layer with an epilogue for `takes`. */
class Layer extends Module {
  constructor(readonly name: string, readonly takes: FusedActivation[]) {
    super();
  }
  forward(y: Tensor): Tensor {
    trace.push(this.name);
    return y;
  }
  [FUSION](): Fusion {
    return { epilogue: { activations: this.takes, run: (y, act) => (trace.push(`${this.name}+${act}`), y) } };
  }
}

class Pool extends Module {
  forward(y: Tensor): Tensor {
    trace.push('pool');
    return y;
  }
  [FUSION](): Fusion {
    return { prologue: { activations: ['relu'], run: (y, act) => (trace.push(`${act}+pool`), y) } };
  }
}

class LoggingLayer extends Layer {
  override forward(y: Tensor): Tensor {
    trace.push(`logged ${this.name}`);
    return y;
  }
}

class RenamedLayer extends Layer {}

/** What a Sequential over `kids` runs, step by step. */
function plan(kids: Module[]): string[] {
  trace.length = 0;
  for (let i = 0; i < kids.length;) {
    const step = sequentialStep(kids, i);
    step.run(x);
    i += step.span;
  }
  return [...trace];
}

describe('nn.Sequential fusion hooks', () => {
  it('folds an activation into the layer before it when the layer lists it', () => {
    expect(plan([new Layer('conv', ['relu', 'relu6']), new Act('relu6'), new Layer('linear', ['relu']), new Act('relu')])).toEqual([
      'conv+relu6', 'linear+relu',
    ]);
    expect(plan([new Layer('linear', ['relu']), new Act('relu6')])).toEqual(['linear', 'relu6']);
    expect(plan([new Layer('conv', ['relu']), new Act('gelu')])).toEqual(['conv', 'gelu']);
  });

  it('folds a ReLU into the pool after it, which wins over the layer before the ReLU', () => {
    expect(plan([new Act('relu'), new Pool()])).toEqual(['relu+pool']);
    expect(plan([new Layer('conv', ['relu', 'relu6']), new Act('relu'), new Pool()])).toEqual(['conv', 'relu+pool']);
    expect(plan([new Layer('conv', ['relu', 'relu6']), new Act('relu6'), new Pool()])).toEqual(['conv+relu6', 'pool']);
  });

  it('runs a module without a hook, or at the end, on its own', () => {
    expect(plan([new Act('relu'), new Layer('conv', ['relu'])])).toEqual(['relu', 'conv']);
    expect(plan([new Layer('conv', ['relu'])])).toEqual(['conv']);
  });

  it('does not fuse a subclass that overrides forward, and keeps the hook of one that does not', () => {
    expect(plan([new LoggingLayer('conv', ['relu']), new Act('relu')])).toEqual(['logged conv', 'relu']);
    expect(fusionOf(new LoggingLayer('conv', ['relu']))).toEqual({});
    expect(plan([new RenamedLayer('conv', ['relu']), new Act('relu')])).toEqual(['conv+relu']);
  });
});

// The lean entry, webgpu-tensor/core (src/core.ts): the functional engine without the Tensor methods, which
// only the main entry installs (engine/methods.ts). This file imports core alone, so nothing it pulls in may
// import methods.ts; the bundle size docs/embedding.md gives depends on it.

import { describe, expect, it } from 'vitest';
import * as core from '../../src/core.ts';

describe('webgpu-tensor/core', () => {
  it('exports the functional engine and interop, and installs no Tensor methods', () => {
    for (const name of ['init', 'tensor', 'matmul', 'add', 'conv2d', 'fromGPUBuffer', 'flush', 'sync', 'Tensor', 'tidy']) {
      expect(core, name).toHaveProperty(name);
    }
    for (const name of ['nn', 'optim', 'transfer', 'crossEntropy']) expect(core, name).not.toHaveProperty(name);
    expect(Object.getOwnPropertyNames(core.Tensor.prototype)).not.toContain('add');
    expect(Object.getOwnPropertyNames(core.Tensor.prototype)).toContain('gpuBuffer');
  });

  it('every name it exports is also exported by the main entry, as the same object', async () => {
    const main = await import('../../src/index.ts');
    for (const [name, value] of Object.entries(core)) expect((main as Record<string, unknown>)[name], name).toBe(value);
    expect(Object.getOwnPropertyNames(core.Tensor.prototype)).toContain('add');
  });
});

// The pipeline cache: each kernel is compiled once per device (its shader module, bind-group layout and
// pipeline layout), and once more per set of override constants (a compute pipeline per distinct `constants`).
// The key is the Kernel object plus the constants' sorted `name=value` list, so two launches that differ in any
// constant can never share a pipeline. Labels carry the kernel's name (and the constants), so WebGPU's own
// messages name the kernel. A device reset drops everything.

import { type BindingKind, type Kernel } from '../../shaders/kernel.ts';
import { SHADER_STAGE_COMPUTE, gpuDevice, onDeviceReset } from './device.ts';
import { arenaSlotBytes } from './uniform-arena.ts';

export interface CompiledKernel {
  module: GPUShaderModule;
  layout: GPUBindGroupLayout;
  /** Identifies `layout` in the bind-group cache's keys. */
  layoutId: number;
  /** Bytes of the uniform binding (the block rounded up to 16), 0 without one. */
  uniformBytes: number;
  pipelineLayout: GPUPipelineLayout;
  pipelines: Map<string, GPUComputePipeline>;
}

const compiled = new Map<Kernel, CompiledKernel>();
let layoutCounter = 0;

function constantsKey(constants: Record<string, number> | undefined): string {
  if (!constants) return '';
  return Object.keys(constants)
    .sort()
    .map((k) => `${k}=${constants[k]}`)
    .join(',');
}

function compile(kernel: Kernel): CompiledKernel {
  let c = compiled.get(kernel);
  if (c) return c;
  const device = gpuDevice();
  const entries: GPUBindGroupLayoutEntry[] = kernel.bindings.map((kind: BindingKind, i) => ({
    binding: i,
    visibility: SHADER_STAGE_COMPUTE,
    buffer: kind === 'write' ? { type: 'storage' } : { type: 'read-only-storage', hasDynamicOffset: kind === 'table' },
  }));
  if (kernel.params) {
    // A dynamic offset: the bind group does not depend on where a launch's uniforms sit in the arena chunk.
    entries.push({ binding: kernel.bindings.length, visibility: SHADER_STAGE_COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } });
  }
  const layout = device.createBindGroupLayout({ label: kernel.name, entries });
  c = {
    module: device.createShaderModule({ label: kernel.name, code: kernel.code }),
    layout,
    layoutId: ++layoutCounter,
    uniformBytes: kernel.params ? arenaSlotBytes(kernel.params.byteSize) : 0,
    pipelineLayout: device.createPipelineLayout({ label: kernel.name, bindGroupLayouts: [layout] }),
    pipelines: new Map(),
  };
  compiled.set(kernel, c);
  return c;
}

/** The pipeline for `kernel` with `constants`, compiled on first use on this device. */
export function pipelineFor(kernel: Kernel, constants: Record<string, number> | undefined): { pipeline: GPUComputePipeline; compiled: CompiledKernel } {
  const c = compile(kernel);
  const key = constantsKey(constants);
  let pipeline = c.pipelines.get(key);
  if (!pipeline) {
    pipeline = gpuDevice().createComputePipeline({
      label: key ? `${kernel.name}[${key}]` : kernel.name,
      layout: c.pipelineLayout,
      compute: { module: c.module, entryPoint: 'main', ...(constants ? { constants } : {}) },
    });
    c.pipelines.set(key, pipeline);
  }
  return { pipeline, compiled: c };
}

/** Compute pipelines the cache holds now (recorderStats().pipelines). */
export function pipelineCount(): number {
  let n = 0;
  for (const c of compiled.values()) n += c.pipelines.size;
  return n;
}

onDeviceReset(() => compiled.clear());

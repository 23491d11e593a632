// Bind groups, cached: a steady training step binds the same buffers to the same kernels every step (the pool
// hands its buffers out in the same order, and the uniform arena lays a batch out the same way), so the
// recorder asks here instead of creating a bind group per dispatch.
//
// Key: the kernel's bind-group layout (an id per compiled kernel), the op name (the bind group's label, which
// WebGPU's error messages quote), every storage binding's buffer (an id per GPUBuffer, held in a WeakMap),
// offset and size, and the uniform arena chunk. The uniform binding has a dynamic offset (see pipelines.ts), so
// where a launch's uniforms sit in the chunk is not part of the key.
//
// Bounds and invalidation: at most MAX_CACHED_BIND_GROUPS entries, least recently used evicted first; the pool
// calls forgetBuffer when it destroys a buffer (trim, quarantine), which drops every entry that binds it, and a
// device reset clears the cache. An entry whose buffer was destroyed elsewhere (an app's buffer) can never be
// hit by a new buffer, since ids are per object; it only waits for eviction.

import { gpuDevice, onDeviceReset } from './device.ts';

/** Most bind groups kept (a training step of a small CNN uses about 60). */
export const MAX_CACHED_BIND_GROUPS = 4096;

interface Entry {
  group: GPUBindGroup;
  /** Ids of the buffers it binds, to unlink the key from them on eviction. */
  bufferIds: number[];
}

let enabled = true;
let nextBufferId = 1;
const bufferIds = new WeakMap<GPUBuffer, number>();
/** Key → entry; Map order is recency (a hit moves the entry to the end). */
const cache = new Map<string, Entry>();
/** Buffer id → the keys of the entries that bind it. */
const keysOfBuffer = new Map<number, Set<string>>();
const counters = { created: 0 };

function bufferId(buffer: GPUBuffer): number {
  let id = bufferIds.get(buffer);
  if (id === undefined) {
    id = nextBufferId++;
    bufferIds.set(buffer, id);
  }
  return id;
}

/** One binding of a bind group: a buffer range. */
export interface BoundRange {
  buffer: GPUBuffer;
  offset: number;
  size: number;
}

/**
 * The bind group binding `ranges` in order (binding i = ranges[i]) with `layout`, created or taken from the
 * cache. `layoutId` identifies `layout` (unique per layout for the device's lifetime).
 */
export function bindGroupFor(layout: GPUBindGroupLayout, layoutId: number, label: string, ranges: readonly BoundRange[]): GPUBindGroup {
  if (!enabled) return create(layout, label, ranges);
  const ids = ranges.map((r) => bufferId(r.buffer));
  let key = `${layoutId}:${label}`;
  ranges.forEach((r, i) => {
    key += `|${ids[i]}@${r.offset}+${r.size}`;
  });
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit.group;
  }
  const group = create(layout, label, ranges);
  if (cache.size >= MAX_CACHED_BIND_GROUPS) evict(cache.keys().next().value!);
  cache.set(key, { group, bufferIds: ids });
  for (const id of ids) {
    let keys = keysOfBuffer.get(id);
    if (!keys) keysOfBuffer.set(id, (keys = new Set()));
    keys.add(key);
  }
  return group;
}

function create(layout: GPUBindGroupLayout, label: string, ranges: readonly BoundRange[]): GPUBindGroup {
  counters.created++;
  const entries: GPUBindGroupEntry[] = ranges.map((r, i) => ({ binding: i, resource: { buffer: r.buffer, offset: r.offset, size: r.size } }));
  return gpuDevice().createBindGroup({ label, layout, entries });
}

function evict(key: string): void {
  const entry = cache.get(key);
  if (!entry) return;
  cache.delete(key);
  for (const id of entry.bufferIds) {
    const keys = keysOfBuffer.get(id);
    keys?.delete(key);
    if (keys?.size === 0) keysOfBuffer.delete(id);
  }
}

/** Drops every cached bind group that binds `buffer` (call when destroying it). */
export function forgetBuffer(buffer: GPUBuffer): void {
  const id = bufferIds.get(buffer);
  if (id === undefined) return;
  const keys = keysOfBuffer.get(id);
  if (keys) for (const key of [...keys]) evict(key);
}

/**
 * Turns the cache off (every dispatch creates its bind group, as before the cache) or back on; for tests that
 * compare the two paths. Returns the previous setting.
 */
export function setBindGroupCaching(on: boolean): boolean {
  const previous = enabled;
  enabled = on;
  if (!on) clearBindGroupCache();
  return previous;
}

export function clearBindGroupCache(): void {
  cache.clear();
  keysOfBuffer.clear();
}

/** Bind groups created so far (never decreases, like the recorder's counters), and how many the cache holds now. */
export function bindGroupStats(): { bindGroups: number; cachedBindGroups: number } {
  return { bindGroups: counters.created, cachedBindGroups: cache.size };
}

onDeviceReset(clearBindGroupCache);

// Staging buffers for readbacks: MAP_READ | COPY_DST buffers the readback copies into and maps. They are
// pooled by size class (sizes from buffer-pool.ts's sizeClass), so reading a loss every step creates no new
// buffer after the first. One whose creation failed asynchronously is never pooled; a device reset drops the
// pool (the buffers belong to the old device).

import { Usage, onDeviceReset } from './device.ts';
import { createChecked } from './error-scopes.ts';

const stagingPool = new Map<number, GPUBuffer[]>();
/** Staging buffers whose creation failed asynchronously: never pooled. */
const badStaging = new WeakSet<GPUBuffer>();

/** A staging buffer of exactly `size` bytes (a size class): a pooled one, or a new one. */
export function acquireStaging(size: number): GPUBuffer {
  const reused = stagingPool.get(size)?.pop();
  if (reused) return reused;
  const buffer = createChecked(
    `allocating a ${size}-byte readback buffer`,
    (d) => d.createBuffer({ size, usage: Usage.MAP_READ | Usage.COPY_DST, label: 'readback' }),
    () => {
      badStaging.add(buffer);
    },
  );
  return buffer;
}

/** Returns an unmapped staging buffer of `size` bytes to the pool (one whose creation failed is dropped). */
export function releaseStaging(buffer: GPUBuffer, size: number): void {
  if (badStaging.has(buffer)) return;
  let list = stagingPool.get(size);
  if (!list) stagingPool.set(size, (list = []));
  list.push(buffer);
}

onDeviceReset(() => stagingPool.clear());

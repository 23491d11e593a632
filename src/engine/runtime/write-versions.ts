// Write versions: a counter per GPU buffer that every recorded write to it (a kernel's read_write binding, a
// copy's destination, a queue write) bumps; the recorder bumps them as it records. Caches of derived values (the
// transfer feature cache) compare versions to know whether what they were computed from may have changed,
// whoever wrote it. Counting is per buffer, not per byte range: a write to one parameter of a flat buffer
// bumps its neighbours too (a spurious rebuild, never a stale cache).

const writeVersions = new WeakMap<GPUBuffer, number>();

/** Notes one more recorded write to `buffer`. */
export function bumpWriteVersion(buffer: GPUBuffer): void {
  writeVersions.set(buffer, (writeVersions.get(buffer) ?? 0) + 1);
}

/** How many recorded writes `buffer` has had (0 for one never written by a kernel or copy). */
export function writeVersion(buffer: GPUBuffer): number {
  return writeVersions.get(buffer) ?? 0;
}

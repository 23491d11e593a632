// Keeps the next batch's host work (reading and decoding images) running while the caller trains on the current
// one: while batch k is out, the decode of batch k + 1 is in flight. JavaScript has one thread, so the decode
// runs inside the caller's awaits (on GPU work, on a readback); sharp and createImageBitmap decode off-thread.
// `trace` receives 'decode k' when batch k's decode starts and 'yield k' when it is handed out, which is how the
// overlap is tested (by the order of events, not by timing).
//
// Backpressure: making a batch uploads its pixels to the GPU at once (queue.writeBuffer copies them into the GPU
// process), while the work that consumes them runs later. A loop that trains without reading anything back would
// upload every batch of the epoch before the GPU got through the first ones: at 256 images of 256² a batch, that
// was 2 GB held by the GPU process in the scale benchmark (bench/results/scale.md). With `fence` (a promise of
// "the GPU has finished everything submitted so far", taken when the caller asks for batch k + 1, i.e. after it
// recorded its work on batch k), batch k is made only once the GPU has finished the caller's work on batch
// k − 2: at most two batches' uploads wait on the GPU ('fence k' in the trace when that wait is over).

/**
 * Yields finish(decoded k) for k = 0 … count − 1, with decode(k + 1) started before batch k is yielded. Stops
 * between batches when `signal` aborts; an early return waits for the decode in flight so nothing dangles.
 */
export async function* prefetchOne<D, T>(
  count: number,
  decode: (k: number) => Promise<D>,
  finish: (decoded: D, k: number) => T,
  options: { signal?: AbortSignal; trace?: (event: string) => void; fence?: () => Promise<void> } = {},
): AsyncGenerator<T, void, undefined> {
  const { signal, trace, fence } = options;
  const fences: Promise<void>[] = [];
  const start = (k: number): Promise<D> => {
    trace?.(`decode ${k}`);
    const p = decode(k);
    p.catch(() => {}); // handled where it is awaited; this only stops an unhandled-rejection report meanwhile
    return p;
  };
  let next: Promise<D> | null = count > 0 && !signal?.aborted ? start(0) : null;
  try {
    for (let k = 0; k < count && next; k++) {
      const decoded = await next;
      next = null;
      if (signal?.aborted) return;
      if (k >= 2 && fences[k - 2]) {
        await fences[k - 2];
        delete fences[k - 2];
        trace?.(`fence ${k - 2}`);
        if (signal?.aborted) return;
      }
      if (k + 1 < count) next = start(k + 1);
      const batch = finish(decoded, k);
      trace?.(`yield ${k}`);
      yield batch;
      if (signal?.aborted) return;
      if (fence && k + 2 < count) {
        const f = fence();
        f.catch(() => {}); // a failure surfaces where batch k + 2 awaits it
        fences[k] = f;
      }
    }
  } finally {
    if (next) await next.catch(() => {});
  }
}

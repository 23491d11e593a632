// Keeps the next batch's host work (reading and decoding images) running while the caller trains on the current
// one: while batch k is out, the decode of batch k + 1 is in flight. JavaScript has one thread, so the decode
// runs inside the caller's awaits (on GPU work, on a readback); sharp and createImageBitmap decode off-thread.
// `trace` receives 'decode k' when batch k's decode starts and 'yield k' when it is handed out, which is how the
// overlap is tested (by the order of events, not by timing).

/**
 * Yields finish(decoded k) for k = 0 … count − 1, with decode(k + 1) started before batch k is yielded. Stops
 * between batches when `signal` aborts; an early return waits for the decode in flight so nothing dangles.
 */
export async function* prefetchOne<D, T>(
  count: number,
  decode: (k: number) => Promise<D>,
  finish: (decoded: D, k: number) => T,
  options: { signal?: AbortSignal; trace?: (event: string) => void } = {},
): AsyncGenerator<T, void, undefined> {
  const { signal, trace } = options;
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
      if (k + 1 < count) next = start(k + 1);
      const batch = finish(decoded, k);
      trace?.(`yield ${k}`);
      yield batch;
      if (signal?.aborted) return;
    }
  } finally {
    if (next) await next.catch(() => {});
  }
}

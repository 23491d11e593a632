// noLeak(E, fn): runs a call a test expects to be rejected and checks that the rejection left nothing behind,
// from E.memoryStats(): the buffers the pool has handed out and their bytes (inUse, inUseBytes: the memory live
// tensors hold) and the references held on GPU memory (storageRefs: a view or a retain left behind keeps its
// buffer from ever going back to the pool) are what they were before the call. Buffers back on the pool's free
// lists are not a leak: a Sequential whose 2nd layer rejects its input has run the 1st, whose output is free
// again for the next call to reuse; emptyCache() hands such buffers back.
//
// A call that throws and leaked throws a LeakError instead of its own error, so the test's assertion on the
// message fails; the leak is also kept in the page for useGpuPage's afterEach (gpu.ts), which fails the test
// even where it only counted errors. A call that does not throw returns its value unchanged (the test's own
// assertion then says that no error came). Sync or async: noLeak returns what fn returns.
//
// Inputs belong outside fn: a tensor made inside fn and not disposed after the rejection is a leak of the test.
// Every test under tests/gpu that expects a rejection runs it through noLeak (tests/unit/rejection-tests.test.ts).

type Engine = typeof import('../../src/index.ts');

interface Counts {
  inUse: number;
  inUseBytes: number;
  storageRefs: number;
}

const found: string[] = [];

function counts(E: Engine): Counts {
  const s = E.memoryStats();
  return { inUse: s.inUse, inUseBytes: s.inUseBytes, storageRefs: s.storageRefs };
}

class LeakError extends Error {
  override name = 'LeakError';
}

function check(E: Engine, before: Counts): void {
  const after = counts(E);
  const keys = Object.keys(before) as Array<keyof Counts>;
  if (keys.every((k) => after[k] === before[k])) return;
  const d = (k: keyof Counts): string => `${after[k] - before[k] >= 0 ? '+' : ''}${after[k] - before[k]}`;
  // The original message is left out on purpose: a test matching a part of it must not pass on a leak.
  const message = `leak check: a rejected call left memory behind: ${d('inUse')} buffers in use (${d('inUseBytes')} B), ${d('storageRefs')} storage references`;
  found.push(message);
  throw new LeakError(message);
}

export function noLeak<R>(E: Engine, fn: () => R): R {
  const before = counts(E);
  let out: R;
  try {
    out = fn();
  } catch (e) {
    check(E, before);
    throw e;
  }
  if (out instanceof Promise) {
    return out.catch((e: unknown) => {
      check(E, before);
      throw e;
    }) as R;
  }
  return out;
}

/** The leaks noLeak saw since the last call (useGpuPage's afterEach reads and clears them). */
export function takeLeaks(): string[] {
  return found.splice(0, found.length);
}

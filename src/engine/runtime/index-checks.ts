// Device-side index checks. A kernel that reads class indices from a tensor (one_hot.wgsl, which oneHot and
// crossEntropy use) checks every index against its valid range [0, classes) (an `ignoreIndex` is exempt)
// and, for the first bad one, writes two words into a small error buffer that lives as long as the device:
// [check id + 1, offending value]. Nothing extra is submitted for it on the hot path: recording a checking
// kernel arms the readback trailer (readback.ts), so the next readback copies these words into its own
// staging buffer behind the data (same submit, same map) and throws an IndexError naming the op, the value and
// the range; an awaited `sync()` reads them too. Neither the recorder nor readback.ts imports this module: an
// app that records no checking kernel bundles none of it.
//
// The GPU cannot stop a batch half-way: every step recorded before that readback has already run with the
// bad indices (an optimizer may have stepped on them). Check host labels before upload where they come from
// host data (classIndices() does), and read a loss often enough for that window to be acceptable.

import type { BufferRange } from './buffer-range.ts';
import { onDeviceReset, Usage } from './device.ts';
import { IndexError } from '../errors.ts';
import { createChecked } from './error-scopes.ts';
import { armReadbackTrailer, type ReadbackTrailer } from './readback.ts';
import { writeBuffer } from './recorder.ts';

const ERROR_WORDS_BYTES = 16;

interface IndexCheck {
  op: string;
  classes: number;
  ignoreIndex: number | null;
  /** What the message calls the value: 'class index' (oneHot, crossEntropy) or 'index' (gather). */
  what: string;
}

let buffer: GPUBuffer | null = null;
const checks: IndexCheck[] = [];
const ids = new Map<string, number>();

/** The error buffer's range (created on first use; WebGPU zero-fills new buffers). */
export function errorWordsRange(): BufferRange {
  if (!buffer) {
    buffer = createChecked(
      'allocating the index-check buffer',
      (d) => d.createBuffer({ size: ERROR_WORDS_BYTES, usage: Usage.STORAGE | Usage.COPY_SRC | Usage.COPY_DST, label: 'index-checks' }),
      () => {
        buffer = null;
      },
    );
  }
  return { buffer, offset: 0, size: ERROR_WORDS_BYTES };
}

/**
 * Registers a check for a kernel about to be recorded and returns the id (≥ 1) the kernel writes on failure.
 * The same (op, classes, ignoreIndex) keeps its id, so the table stays small.
 */
export function indexCheck(op: string, classes: number, ignoreIndex: number | null, what = 'class index'): number {
  const key = `${op}\u0000${classes}\u0000${ignoreIndex}\u0000${what}`;
  let id = ids.get(key);
  if (id === undefined) {
    checks.push({ op, classes, ignoreIndex, what });
    id = checks.length;
    ids.set(key, id);
  }
  armReadbackTrailer(TRAILER);
  return id;
}

/**
 * The IndexError the words describe, or null when they are clean. Before it is thrown the words are cleared
 * (recorded after the readback's copy), so the next check starts clean.
 */
function indexErrorFor(words: Int32Array): IndexError | null {
  const id = words[0] ?? 0;
  if (id === 0) return null;
  const check = checks[id - 1];
  const value = words[1]!;
  if (!check) return new IndexError(`a device-side index check (id ${id}) failed with value ${value}`);
  const ignore = check.ignoreIndex === null ? '' : ` (or the ignore index ${check.ignoreIndex})`;
  return new IndexError(
    `${check.op}: ${check.what} ${value} is out of range: valid indices are [0, ${check.classes})${ignore}. ` +
      'Found on the GPU; the steps recorded before this readback already ran with the bad indices.',
  );
}

const TRAILER: ReadbackTrailer = {
  range: errorWordsRange,
  check(words) {
    const error = indexErrorFor(words);
    if (error) writeBuffer(errorWordsRange(), new Uint32Array(ERROR_WORDS_BYTES / 4), 'index-check reset');
    return error;
  },
};

/** Host-side form of the same check, for labels that come from host data (before upload). */
export function checkHostIndices(op: string, values: ArrayLike<number>, classes: number, ignoreIndex: number | null = null): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === ignoreIndex) continue;
    if (!Number.isInteger(v) || v < 0 || v >= classes) {
      const ignore = ignoreIndex === null ? '' : ` (or the ignore index ${ignoreIndex})`;
      throw new IndexError(`${op}: class index ${v} at position ${i} is out of range: valid indices are [0, ${classes})${ignore}`);
    }
  }
}

onDeviceReset(() => {
  buffer = null;
  checks.length = 0;
  ids.clear();
});

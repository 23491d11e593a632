// Options objects are checked against the keys an API accepts, so that a misspelt or Python-style key
// (`weight_decay` for `weightDecay`) is an error instead of a silently ignored setting:
//
//   checkOptions('AdamW', options, ['lr', 'betas', 'eps', 'weightDecay', 'maximize', 'maxGradNorm']);
//   → EngineError: AdamW: unknown option "weight_decay" (did you mean "weightDecay"?); accepted: lr, betas, ...
//
// Every public function or constructor that takes an options object calls it once, first thing.

import { EngineError } from './errors.ts';

/** The same key up to case and underscores (`weight_decay` ~ `weightDecay`), or a typo away from it. */
function closeTo(key: string, candidate: string): boolean {
  const a = key.replace(/_/g, '').toLowerCase();
  const b = candidate.replace(/_/g, '').toLowerCase();
  if (a === b) return true;
  return a.length > 3 && typoDistance(a, b) <= (a.length >= 7 ? 2 : 1);
}

/** Edits (insert, delete, substitute, swap of neighbours) from a to b: optimal string alignment distance. */
function typoDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * Throws an EngineError naming `op`, the first unknown key of `options` (with a suggestion when one accepted
 * key is close) and the accepted keys. `undefined` passes (no options); anything but a plain object is a
 * TypeError. Keys whose value is `undefined` are checked too: a misspelt key is wrong whatever its value.
 */
export function checkOptions(op: string, options: unknown, allowed: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${op}: options must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (allowed.includes(key)) continue;
    const near = allowed.find((a) => closeTo(key, a));
    const hint = near ? ` (did you mean "${near}"?)` : '';
    throw new EngineError(`${op}: unknown option "${key}"${hint}; accepted: ${allowed.join(', ') || 'none'}`);
  }
}

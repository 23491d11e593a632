// tidy(): disposes every tensor created inside `fn` except those it returns (found in arrays and plain
// objects too) and those passed to keep(). Scopes nest; a tensor returned from an inner scope belongs to the
// outer one. Tensors the autograd graph still needs stay alive through the graph's own references.

/**
 * What a scope holds: a Tensor (tensor.ts tracks every one it constructs and registers the check that tells
 * tensors apart). Structural, so this module needs no import of tensor.ts, which imports it.
 */
interface Scoped {
  dispose(): void;
}

const scopes: Set<Scoped>[] = [];

/** Called by every tensor constructor. */
export function trackTensor(t: Scoped): void {
  scopes[scopes.length - 1]?.add(t);
}

/** Exempts `t` from the enclosing tidy() scopes. */
export function keep<T extends Scoped>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

function collect(value: unknown, out: Set<Scoped>, isTensor: (v: unknown) => v is Scoped, depth = 0): void {
  if (depth > 8 || value === null || typeof value !== 'object') return;
  if (isTensor(value)) {
    out.add(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collect(v, out, isTensor, depth + 1);
    return;
  }
  if (Object.getPrototypeOf(value) === Object.prototype || value instanceof Map) {
    const values = value instanceof Map ? [...value.values()] : Object.values(value);
    for (const v of values) collect(v, out, isTensor, depth + 1);
  }
}

let tensorCheck: ((v: unknown) => v is Scoped) | null = null;
export function registerTensorCheck(fn: (v: unknown) => v is Scoped): void {
  tensorCheck = fn;
}

/**
 * Runs `fn` and disposes every tensor it created except those it returns. Synchronous functions only: an
 * async function is refused with a TypeError before it runs (ops only record GPU work, so read results after
 * tidy returns). If `fn` throws, everything it created is disposed and the error is rethrown.
 */
export function tidy<R>(fn: () => R): R {
  if (typeof (fn as unknown) !== 'function') throw new TypeError('tidy: expected a function');
  if (isAsync(fn)) throw new TypeError(TIDY_ASYNC);
  const scope = new Set<Scoped>();
  scopes.push(scope);
  let result: R;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) {
    for (const t of scope) t.dispose();
    void result.catch(() => undefined);
    throw new TypeError(TIDY_ASYNC);
  }
  const keepSet = new Set<Scoped>();
  collect(result, keepSet, tensorCheck!);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (keepSet.has(t)) parent?.add(t);
    else t.dispose();
  }
  return result;
}

const TIDY_ASYNC = 'tidy: the function must be synchronous (GPU work is recorded, not awaited); read results after tidy returns';

function isAsync(fn: unknown): boolean {
  const name = (fn as { constructor?: { name?: string } }).constructor?.name;
  return name === 'AsyncFunction' || name === 'AsyncGeneratorFunction';
}

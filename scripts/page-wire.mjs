// How a function runs "in the page" (scripts/headless.mjs runInPage, and its Node twin tests/harness/node-page.ts):
// the function travels as source text and is rebuilt with `new Function`, so it sees only its arguments (E, H, and
// JSON-like args), never the caller's scope; args and result travel as JSON extended for NaN, ±Infinity, -0,
// bigints and typed arrays; an error comes back as a PageError `<name>: <message>`. No puppeteer here: the GPU
// run's bundle (bench/gpu/) uses this file in plain Node.

// esbuild's keepNames option rewrites functions to call a module-level `__name(fn, "name")` helper, and
// the source text of such a function, run in the page, needs that helper. esbuild-based runners and
// bundlers may turn keepNames on; vitest 4 on vite 8 (oxc) does not, but the shim costs nothing.
export const NAME_SHIM = 'globalThis.__name ??= (fn) => fn;';

/** An error thrown by a function run with runInPage. `message` is `<page error name>: <its message>`. */
export class PageError extends Error {
  /**
   * @param {{ name: string, message: string, stack: string }} info what the page reported
   * @param {string} [hint] appended to the message
   */
  constructor(info, hint = '') {
    super(`${info.name}: ${info.message}${hint}`);
    this.name = 'PageError';
    /** The original error's `name` in the page (e.g. 'ShapeError'). */
    this.pageErrorName = info.name;
    /** The original error's stack in the page. */
    this.pageStack = info.stack;
  }
}

// The wire format, used in both directions: JSON, plus tagged objects for what JSON loses (NaN, ±Infinity,
// -0, bigints, typed arrays). Both functions are self-contained: their source is sent into the page.
export function wireReplacer(_key, value) {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && !Object.is(value, -0)) return value;
    return { $wire: 'number', v: Object.is(value, -0) ? '-0' : String(value) };
  }
  if (typeof value === 'bigint') return { $wire: 'bigint', v: String(value) };
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return { $wire: value.constructor.name, v: Array.from(value) };
  }
  return value;
}

export function wireReviver(_key, value) {
  if (value === null || typeof value !== 'object' || typeof value.$wire !== 'string') return value;
  if (value.$wire === 'number') return Number(value.v);
  if (value.$wire === 'bigint') return BigInt(value.v);
  // Otherwise a typed array. One this side lacks (Node 20 has no Float16Array) arrives as a plain array.
  const Ctor = globalThis[value.$wire];
  return typeof Ctor === 'function' && 'BYTES_PER_ELEMENT' in Ctor ? Ctor.from(value.v) : value.v;
}

// Runs in the page. Never throws: returns a JSON string `{ ok, value }` or `{ ok: false, error }`.
export async function pageRun(src, argsJson, replacer, reviver) {
  const describe = (e) => {
    if (!(e instanceof Error)) return { name: 'non-Error value thrown', message: String(e), stack: '' };
    const cause = e.cause instanceof Error ? ` (cause: ${e.cause.name}: ${e.cause.message})` : '';
    return { name: e.name, message: e.message + cause, stack: e.stack ?? '' };
  };
  const w = globalThis;
  try {
    let fn;
    try {
      fn = new Function(`return (${src});`)();
    } catch (e) {
      throw new SyntaxError(
        `runInPage could not parse the function (pass an arrow function or a function expression): ${e.message}`,
      );
    }
    const args = JSON.parse(argsJson, reviver);
    const engine =
      w.__engine ??
      new Proxy(
        {},
        {
          get(_target, prop) {
            if (prop === 'then') return undefined; // so that `await E` or returning E does not trip this
            const err = new Error(`the engine (/src/index.ts) failed to load, so E.${String(prop)} is unavailable: ${w.__loadError}`);
            err.name = 'EngineLoadError';
            throw err;
          },
        },
      );
    const helpers = w.__helpers ?? {};
    const value = await fn(engine, helpers, ...args);
    try {
      return JSON.stringify({ ok: true, value }, replacer);
    } catch (e) {
      throw new TypeError(
        `runInPage: the result cannot be sent back (return plain data, e.g. Array.from(await t.data())): ${e.message}`,
      );
    }
  } catch (e) {
    return JSON.stringify({ ok: false, error: describe(e) });
  }
}

/** The args of a call, in the wire format (a JSON string). */
export function encodeArgs(args) {
  return JSON.stringify(args, wireReplacer);
}

/**
 * The value pageRun's reply carries, or its error rethrown as a PageError (with a hint for a ReferenceError,
 * the usual sign of a function that used its caller's scope).
 * @param {unknown} reply
 */
export function settleReply(reply) {
  if (typeof reply !== 'string') throw new Error(`runInPage: unexpected reply from the page: ${String(reply)}`);
  const parsed = JSON.parse(reply, wireReviver);
  if (parsed.ok) return parsed.value;
  let hint = '';
  if (parsed.error.name === 'ReferenceError') {
    // vitest rewrites a test file's imports to `__vite_ssr_import_N__`, inside fn's source too.
    hint = /__vite_ssr_(dynamic_)?import/.test(parsed.error.message)
      ? ' (runInPage functions run in the page: they cannot use what the calling file imports; use E and H)'
      : ' (runInPage functions run in the page: pass values from the caller as arguments)';
  }
  throw new PageError(parsed.error, hint);
}

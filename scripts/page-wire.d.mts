// Types for page-wire.mjs, so that TypeScript (the Node test backend, the GPU run) can import it.
export declare const NAME_SHIM: string;

export declare class PageError extends Error {
  constructor(info: { name: string; message: string; stack: string }, hint?: string);
  /** The original error's `name` in the page (e.g. 'ShapeError'). */
  readonly pageErrorName: string;
  /** The original error's stack in the page. */
  readonly pageStack: string;
}

export declare function wireReplacer(key: string, value: unknown): unknown;
export declare function wireReviver(key: string, value: unknown): unknown;
/** Runs `fn` (its source) with the page globals __engine / __helpers; never throws: a JSON reply `{ ok, value | error }`. */
export declare function pageRun(
  src: string,
  argsJson: string,
  replacer: typeof wireReplacer,
  reviver: typeof wireReviver,
): Promise<string>;
export declare function encodeArgs(args: unknown[]): string;
export declare function settleReply(reply: unknown): any;

// Types for perf-table.mjs, so that TypeScript (its test) can import it.

export interface ResultTiming { ms: number; gflops: number }
export interface ResultRow {
  family: string;
  name: string;
  shape: string;
  impl: string;
  ours: ResultTiming | null;
  variants: Record<string, ResultTiming>;
  tfjs: ResultTiming | null;
  ratio: number | null;
  /** jax-js (bench/jaxjs.ts): wall ms with a readback per run, and jax-js ms / ours ms under that protocol. */
  jaxjs?: ResultTiming | null;
  ratioJax?: number | null;
  jaxjsSkip?: string;
  check: { against: string[]; ok: boolean; detail?: string };
  error?: string;
}
export interface ResultReport {
  file: string;
  date: string;
  command: string;
  runtime: string;
  device: { adapter: string; cpuAdapter: boolean };
  rows: ResultRow[];
}

export declare const BEGIN: string;
export declare const END: string;
export declare const TARGET: string;
export declare function readResults(dir: string): ResultReport[];
export declare function fmtMs(ms: number): string;
export declare function fmtRate(gflops: number): string;
export declare function perfTable(reports: ResultReport[], linkPrefix?: string): string;
export declare function replaceBetweenMarkers(doc: string, table: string): string;
export declare function expectedDoc(root?: string): { doc: string; expected: string };

// Types of report.mjs (a plain Node module) for the TypeScript files that import it.

export interface Stats { mean: number; sd: number; n: number }
export function stats(values: number[]): Stats;
export function verdict(higher: boolean, model: Stats, base: Stats): 'helped' | 'hurt' | 'no measurable difference' | 'n/a (<2 seeds)';
export function renderMarkdown(result: unknown, pilot?: string | null): string;
export function renderSvg(result: unknown): string;

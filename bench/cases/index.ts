// Collects every bench/cases/<family>.ts (its default export, a BenchCase[]). Nothing to edit here when a
// family adds a file.

import type { BenchCase } from '../registry.ts';

const modules = import.meta.glob<{ default: BenchCase[] }>(['./*.ts', '!./index.ts'], { eager: true });

/** All registered cases, files in name order, cases in file order. */
export function allCases(): BenchCase[] {
  return Object.keys(modules)
    .sort()
    .flatMap((path) => {
      const cases = modules[path]!.default;
      if (!Array.isArray(cases)) throw new Error(`bench: ${path} must export default a BenchCase[] (defineBenchCases)`);
      return cases;
    });
}

// What `vitest` is inside the GPU run's bundle (bench/gpu/build.mjs aliases the import): just enough of vitest for
// the kernel test files (tests/harness/kernel-files.ts) to run unchanged in plain Node, where vitest itself cannot
// travel. describe / it / test (with .skip and .skipIf), beforeAll / afterAll / beforeEach / afterEach, inject, and
// vitest's own expect (@vitest/expect's matchers on chai, as vitest builds it).
//
// A file registers its tests when it is imported; runTestFile(load, provided) imports it into a fresh root suite and
// runs it: hooks in vitest's order, tests one after another, a failed beforeAll failing the tests it guards.

import * as chai from 'chai';
import { JestAsymmetricMatchers, JestChaiExpect, JestExtend } from '@vitest/expect';
import type { ExpectStatic } from '@vitest/expect';

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(JestAsymmetricMatchers);

export const expect = chai.expect as unknown as ExpectStatic;

type Fn = () => unknown;
interface Test {
  kind: 'test';
  name: string;
  fn: Fn | null;
}
interface Suite {
  kind: 'suite';
  name: string;
  children: Array<Suite | Test>;
  beforeAll: Fn[];
  afterAll: Fn[];
  beforeEach: Fn[];
  afterEach: Fn[];
}

const newSuite = (name: string): Suite => ({ kind: 'suite', name, children: [], beforeAll: [], afterAll: [], beforeEach: [], afterEach: [] });
let current: Suite = newSuite('');
let provided: Record<string, unknown> = {};

function describeImpl(name: string, fn: () => void, skip = false): void {
  const suite = newSuite(name);
  current.children.push(suite);
  const parent = current;
  current = suite;
  try {
    fn();
  } finally {
    current = parent;
  }
  if (skip) markSkipped(suite);
}

function markSkipped(suite: Suite): void {
  for (const c of suite.children) {
    if (c.kind === 'test') c.fn = null;
    else markSkipped(c);
  }
}

function itImpl(name: string, fn?: Fn): void {
  current.children.push({ kind: 'test', name, fn: fn ?? null });
}

export const describe = Object.assign((name: string, fn: () => void) => describeImpl(name, fn), {
  skip: (name: string, fn: () => void) => describeImpl(name, fn, true),
});
export const it = Object.assign((name: string, fn?: Fn) => itImpl(name, fn), {
  skip: (name: string) => itImpl(name),
  skipIf: (condition: unknown) => (name: string, fn?: Fn) => itImpl(name, condition ? undefined : fn),
  runIf: (condition: unknown) => (name: string, fn?: Fn) => itImpl(name, condition ? fn : undefined),
});
export const test = it;
export const beforeAll = (fn: Fn): void => void current.beforeAll.push(fn);
export const afterAll = (fn: Fn): void => void current.afterAll.push(fn);
export const beforeEach = (fn: Fn): void => void current.beforeEach.push(fn);
export const afterEach = (fn: Fn): void => void current.afterEach.push(fn);
export const inject = (key: string): unknown => provided[key];

export interface TestOutcome {
  /** Suite names and the test's, joined by ' > '. */
  name: string;
  status: 'passed' | 'failed' | 'skipped';
  error?: string;
  ms: number;
}

const describeError = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}`.slice(0, 2000) : String(e));

/**
 * Imports a test file (`load`, e.g. `() => import('./x.test.ts')`) into a fresh root suite and runs its tests.
 * `provided` is what inject() returns; `onTest` hears each outcome as it comes; `stop()` true skips what is left.
 */
export async function runTestFile(
  load: () => Promise<unknown>,
  options: { provided: Record<string, unknown>; onTest?: (t: TestOutcome) => void; stop?: () => boolean },
): Promise<TestOutcome[]> {
  const root = newSuite('');
  current = root;
  provided = options.provided;
  const outcomes: TestOutcome[] = [];
  const report = (t: TestOutcome): void => {
    outcomes.push(t);
    options.onTest?.(t);
  };
  try {
    await load();
  } catch (e) {
    report({ name: '(file failed to load)', status: 'failed', error: describeError(e), ms: 0 });
    return outcomes;
  } finally {
    current = newSuite('');
  }
  await runSuite(root, [], [], report, options.stop ?? (() => false));
  return outcomes;
}

async function runSuite(suite: Suite, path: string[], parents: Suite[], report: (t: TestOutcome) => void, stop: () => boolean): Promise<void> {
  const chain = [...parents, suite];
  const teardowns: Fn[] = [];
  let setupError: string | null = null;
  for (const hook of suite.beforeAll) {
    try {
      const r = await hook();
      if (typeof r === 'function') teardowns.push(r as Fn);
    } catch (e) {
      setupError = `beforeAll: ${describeError(e)}`;
      break;
    }
  }
  for (const child of suite.children) {
    const name = [...path, child.name].filter((s) => s).join(' > ');
    if (child.kind === 'suite') {
      if (setupError) reportAll(child, name, setupError, report);
      else await runSuite(child, [...path, child.name], chain, report, stop);
      continue;
    }
    if (!child.fn || stop()) {
      report({ name, status: 'skipped', ms: 0 });
      continue;
    }
    if (setupError) {
      report({ name, status: 'failed', error: setupError, ms: 0 });
      continue;
    }
    const t0 = performance.now();
    let error: string | undefined;
    try {
      for (const s of chain) for (const hook of s.beforeEach) await hook();
      await child.fn();
    } catch (e) {
      error = describeError(e);
    }
    for (const s of [...chain].reverse()) {
      for (const hook of s.afterEach) {
        try {
          await hook();
        } catch (e) {
          error ??= `afterEach: ${describeError(e)}`;
        }
      }
    }
    report({ name, status: error ? 'failed' : 'passed', ...(error ? { error } : {}), ms: performance.now() - t0 });
  }
  for (const hook of [...teardowns, ...suite.afterAll]) {
    try {
      await hook();
    } catch (e) {
      report({ name: [...path, '(afterAll)'].filter((s) => s).join(' > '), status: 'failed', error: describeError(e), ms: 0 });
    }
  }
}

function reportAll(suite: Suite, path: string, error: string, report: (t: TestOutcome) => void): void {
  for (const c of suite.children) {
    const name = `${path} > ${c.name}`;
    if (c.kind === 'suite') reportAll(c, name, error, report);
    else report({ name, status: 'failed', error, ms: 0 });
  }
}

// Section `correctness`: the kernel test files (tests/harness/kernel-files.ts: every kernel against its CPU reference,
// finite differences or PyTorch fixture, at the tests' tolerances) on this GPU, unchanged: they run through the
// vitest shim (bench/gpu/vitest-shim.ts) and the Node backend of useGpuPage (tests/harness/node-page.ts), as
// `npm run test:gles` runs them on OpenGL ES. Each call a test makes runs 20 times in a row (from the same random-
// stream state) and every reply must be the same bits as the first: a kernel whose result depends on the schedule
// (a race, a lost vec4 component, an unordered float atomic) shows up here even when it stays within tolerance.
// Calls that run init() run once. Files run in the list's order until the cap.

import { KERNEL_TEST_FILES } from '../../../tests/harness/kernel-files.ts';
import type { NodeCall, NodeGpuConfig } from '../../../tests/harness/node-page.ts';
import type { Section } from '../section.ts';
import { runTestFile, type TestOutcome } from '../vitest-shim.ts';

// The same files as KERNEL_TEST_FILES (checked below): import.meta.glob takes literals only.
const FILES = import.meta.glob([
  '../../../tests/gpu/matmul.test.ts',
  '../../../tests/gpu/conv.test.ts',
  '../../../tests/gpu/conv-act.test.ts',
  '../../../tests/gpu/depthwise.test.ts',
  '../../../tests/gpu/pool.test.ts',
  '../../../tests/gpu/relu-maxpool.test.ts',
  '../../../tests/gpu/ops.test.ts',
  '../../../tests/gpu/torch-ops.test.ts',
  '../../../tests/gpu/torch-pieces.test.ts',
  '../../../tests/gpu/torch-nonfinite.test.ts',
  '../../../tests/gpu/cross-entropy.test.ts',
  '../../../tests/gpu/autograd.test.ts',
  '../../../tests/gpu/nn-batchnorm.test.ts',
  '../../../tests/gpu/nn-layers.test.ts',
  '../../../tests/gpu/edge-cases.test.ts',
  '../../../tests/gpu/stripped-wgsl.test.ts',
]);
export const TINY_FILES = ['tests/gpu/torch-ops.test.ts', 'tests/gpu/relu-maxpool.test.ts', 'tests/gpu/cross-entropy.test.ts'];
const REPEAT = 20;
const TINY_REPEAT = 3;

interface Mismatch {
  file: string;
  /** The call's first line (its source). */
  call: string;
  /** Which repeat (1 = the second run) first differed, and how. */
  repeat: number;
  kind: 'differs' | 'throws on repeat' | 'passes on repeat';
  /** The replies around the first differing character. */
  first: string;
  other: string;
}

const key = (globKey: string): string => globKey.replace(/^(\.\.\/)+/, '');

/** The files this section can run (its glob), as project paths: must be KERNEL_TEST_FILES. */
export const globbedFiles = (): string[] => Object.keys(FILES).map(key);

function compare(file: string, call: NodeCall, first: string, others: string[]): Mismatch | null {
  const i = others.findIndex((o) => o !== first);
  if (i < 0) return null;
  const other = others[i]!;
  let at = 0;
  while (at < first.length && first[at] === other[at]) at++;
  const ok = (reply: string): boolean => reply.startsWith('{"ok":true');
  const kind = ok(first) && !ok(other) ? 'throws on repeat' : !ok(first) && ok(other) ? 'passes on repeat' : 'differs';
  const around = (s: string): string => s.slice(Math.max(0, at - 60), at + 60);
  return { file, call: call.src.split('\n')[0]!.slice(0, 120), repeat: i + 1, kind, first: around(first), other: around(other) };
}

export const section: Section = {
  name: 'correctness',
  title: `the kernel tests against their CPU references, each GPU call repeated ${REPEAT}× and compared bit for bit`,
  order: 10,
  capSeconds: 70,
  tinyCapSeconds: 90,
  async run(ctx) {
    const globbed = globbedFiles().sort();
    const listed = [...KERNEL_TEST_FILES].sort();
    if (globbed.join() !== listed.join()) {
      throw new Error(`correctness: its file list (${globbed.join(', ')}) differs from tests/harness/kernel-files.ts (${listed.join(', ')})`);
    }
    const files = ctx.tiny ? TINY_FILES : KERNEL_TEST_FILES;
    const repeat = ctx.tiny ? TINY_REPEAT : REPEAT;
    const outcomes: Array<TestOutcome & { file: string }> = [];
    const mismatches: Mismatch[] = [];
    const notRun: string[] = [];
    let calls = 0;
    for (const file of files) {
      if (ctx.timeLeft() < 5) {
        notRun.push(file);
        continue;
      }
      const load = Object.entries(FILES).find(([k]) => key(k) === file)![1];
      const nodeGpu: NodeGpuConfig = {
        repeat,
        onRepeat: (call, first, others) => {
          calls++;
          const m = compare(file, call, first, others);
          if (m) mismatches.push(m);
        },
      };
      const t0 = Date.now();
      const got = await runTestFile(load, { provided: { nodeGpu }, stop: () => ctx.timeLeft() < 2 });
      for (const t of got) outcomes.push({ ...t, file });
      const failed = got.filter((t) => t.status === 'failed');
      const passed = got.filter((t) => t.status === 'passed').length;
      const skipped = got.filter((t) => t.status === 'skipped').length;
      ctx.log(`${file}: ${passed} passed, ${failed.length} failed, ${skipped} skipped (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      for (const t of failed) ctx.log(`  FAIL ${t.name}: ${t.error?.split('\n')[0]}`);
    }
    const count = (s: TestOutcome['status']): number => outcomes.filter((t) => t.status === s).length;
    const failed = outcomes.filter((t) => t.status === 'failed');
    const md = [
      `${count('passed')} passed, ${failed.length} failed, ${count('skipped')} skipped; ` +
        `${calls} calls run ${repeat}× each, ${mismatches.length} not bit-identical.`,
      ...(notRun.length ? ['', `Not run (cap): ${notRun.join(', ')}`] : []),
    ];
    if (failed.length) {
      md.push(
        '',
        '| file | test | error |',
        '| --- | --- | --- |',
        ...failed.map((t) => `| ${t.file} | ${t.name} | ${(t.error ?? '').split('\n')[0]!.replace(/\|/g, '/').slice(0, 200)} |`),
      );
    }
    if (mismatches.length) {
      md.push('', '| file | call | repeat | how | first run | that repeat |', '| --- | --- | --- | --- | --- | --- |');
      for (const m of mismatches) {
        const cells = [m.file, m.call, m.repeat, m.kind, m.first, m.other].map((v) => String(v).replace(/\|/g, '/').replace(/`/g, "'"));
        md.push(`| ${cells.join(' | ')} |`);
      }
    }
    return {
      ok: failed.length === 0 && mismatches.length === 0,
      summary:
        `${count('passed')} passed, ${failed.length} failed; ${calls} calls × ${repeat}, ${mismatches.length} not bit-identical` +
        (notRun.length ? `; ${notRun.length} files left at the cap` : ''),
      markdown: md.join('\n'),
      data: { outcomes, mismatches, calls, repeat, notRun },
    };
  },
};

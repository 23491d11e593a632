// The code blocks of the project's documents (README.md, CONTRIBUTING.md, docs/*.md), read in Node.
//
// A ```ts or ```js block either runs in the tests or says why not:
//   <!-- name -->               somewhere after the previous block: the block is run, by the id '<file>#<name>'
//                               ('README.md#quickstart', 'docs/transfer.md#checkpoint'), by a test under
//                               tests/gpu/ (docBlock below) or tests/package/ (which parses the same id);
//   <!-- not run: reason -->    on the line right before the fence: it is not run, and the reason says why.
// tests/unit/docs.test.ts fails on a block that is neither, and on a run marker no test names.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The documents whose blocks are checked, relative to the repository root. */
export function docFiles(): string[] {
  const guides = readdirSync(path.join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort();
  return ['README.md', 'CONTRIBUTING.md', ...guides.map((f) => `docs/${f}`)];
}

export type DocMarker = { kind: 'run'; name: string } | { kind: 'not-run'; reason: string } | null;

export interface DocBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
  marker: DocMarker;
}

const FENCE = /^\s*```(\S*)\s*$/;
const COMMENT = /^\s*<!--\s*(.*?)\s*-->\s*$/;
const RUN_NAME = /^[a-z0-9][a-z0-9-]*$/;

/** Every fenced block of `file` (relative to the repository root) with the marker that governs it. */
export function docBlocks(file: string): DocBlock[] {
  const lines = readFileSync(path.join(REPO_ROOT, file), 'utf8').split('\n');
  const blocks: DocBlock[] = [];
  let runName: string | null = null; // the last run marker since the previous block
  for (let i = 0; i < lines.length; i++) {
    const comment = COMMENT.exec(lines[i]!);
    if (comment && RUN_NAME.test(comment[1]!)) runName = comment[1]!;
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    let end = i + 1;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end]!)) end++;
    const indent = /^\s*/.exec(lines[i]!)![0].length;
    const code = lines.slice(i + 1, end).map((l) => l.slice(Math.min(indent, /^\s*/.exec(l)![0].length))).join('\n');
    const before = i > 0 ? COMMENT.exec(lines[i - 1]!) : null;
    const notRun = before && /^not run:/.test(before[1]!) ? before[1]!.replace(/^not run:\s*/, '') : null;
    const marker: DocMarker = notRun !== null ? { kind: 'not-run', reason: notRun } : runName ? { kind: 'run', name: runName } : null;
    blocks.push({ file, line: i + 1, lang: open[1]!, code: `${code}\n`, marker });
    runName = null;
    i = end;
  }
  return blocks;
}

/** The code of the run block with id '<file>#<name>'; throws naming the id when there is none. */
export function docBlock(id: string): string {
  const [file, name] = id.split('#');
  if (!file || !name) throw new Error(`doc block id ${id}: expected '<file>#<name>'`);
  const block = docBlocks(file).find((b) => b.marker?.kind === 'run' && b.marker.name === name);
  if (!block) throw new Error(`${file} has no code block after <!-- ${name} -->`);
  return block.code;
}

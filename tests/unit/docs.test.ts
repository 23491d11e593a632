// The documents stay a front door with guides beside it, and their code stays true:
// - README.md is at most 250 lines and links every guide;
// - every ```ts or ```js block in README.md, CONTRIBUTING.md and docs/*.md runs in a test or says why not
//   (tests/harness/doc-blocks.ts has the two markers), and every run block is named by a test;
// - every relative link points at a file that exists, and a link to a heading at a heading that exists.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, docBlocks, docFiles } from '../harness/doc-blocks.ts';

const read = (file: string): string => readFileSync(path.join(REPO_ROOT, file), 'utf8');

const GUIDES = ['transfer', 'multitask', 'model-zoo', 'embedding', 'memory', 'errors', 'performance', 'pages'].map((g) => `docs/${g}.md`);

/** The code of the tests that run document blocks (comment lines left out), where a run block's id must appear
 * as a string. */
function testSources(): string {
  const dirs = ['tests/gpu', 'tests/package'];
  return dirs
    .flatMap((d) => readdirSync(path.join(REPO_ROOT, d)).filter((f) => /\.(ts|mjs)$/.test(f)).map((f) => read(`${d}/${f}`)))
    .join('\n')
    .replace(/^\s*(\/\/|\*|\/\*).*$/gm, '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

/** The anchors of a markdown file's headings (outside code blocks). */
function anchors(markdown: string): Set<string> {
  const prose = markdown.replace(/^\s*```[\s\S]*?^\s*```/gm, '');
  return new Set([...prose.matchAll(/^#{1,6}\s+(.*)$/gm)].map((m) => slug(m[1]!)));
}

/** Relative link targets in a markdown file's prose (code blocks and code spans left out). */
function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/^\s*```[\s\S]*?^\s*```/gm, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z]+:/i.test(t));
}

describe('README', () => {
  it('is a front door: at most 250 lines', () => {
    const lines = read('README.md').trimEnd().split('\n').length;
    expect(lines, `README.md has ${lines} lines; move reference material into docs/`).toBeLessThanOrEqual(250);
  });

  it('keeps the two commands at the top and links every guide', () => {
    const readme = read('README.md');
    expect(readme.indexOf('npm install && npm start')).toBeGreaterThan(0);
    expect(readme.indexOf('npm install && npm start')).toBeLessThan(readme.indexOf('## Quickstart'));
    expect(readme.indexOf('npm test')).toBeLessThan(readme.indexOf('## Quickstart'));
    for (const guide of GUIDES) {
      expect(existsSync(path.join(REPO_ROOT, guide)), guide).toBe(true);
      expect(readme, `README.md links ${guide}`).toContain(`](${guide})`);
    }
  });
});

describe('code blocks in README.md, CONTRIBUTING.md and docs/', () => {
  const files = docFiles();
  const blocks = files.flatMap((f) => docBlocks(f)).filter((b) => b.lang === 'ts' || b.lang === 'js');

  it('finds the documents and their blocks', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'CONTRIBUTING.md', ...GUIDES]));
    expect(blocks.filter((b) => b.marker?.kind === 'run').length).toBeGreaterThanOrEqual(8);
  });

  it('each one runs in a test or is marked <!-- not run: reason --> right before it', () => {
    const bare = blocks.filter((b) => b.marker === null || (b.marker.kind === 'not-run' && b.marker.reason.length < 5));
    expect(bare.map((b) => `${b.file}:${b.line}`), 'add <!-- name --> and a test that runs it, or <!-- not run: reason -->').toEqual([]);
  });

  it('each run block is named by a test (its id as a string under tests/gpu or tests/package), once per file', () => {
    const sources = testSources();
    const ids = blocks.flatMap((b) => (b.marker?.kind === 'run' ? [`${b.file}#${b.marker.name}`] : []));
    expect(new Set(ids).size, 'two blocks share a name in one file').toBe(ids.length);
    const unrun = ids.filter((id) => !sources.includes(`'${id}'`));
    expect(unrun, 'run blocks that no test names').toEqual([]);
  });
});

describe('relative links in README.md, CONTRIBUTING.md, docs/ and bench/', () => {
  const files = [...docFiles(), 'bench/README.md', 'bench/results/README.md'];

  it('point at files and headings that exist', () => {
    const broken: string[] = [];
    for (const file of files) {
      for (const link of relativeLinks(read(file))) {
        const [target, anchor] = link.split('#') as [string, string | undefined];
        const resolved = target ? path.join(path.dirname(file), decodeURI(target)) : file;
        if (!existsSync(path.join(REPO_ROOT, resolved))) {
          broken.push(`${file}: ${link} (no file ${resolved})`);
        } else if (anchor && resolved.endsWith('.md') && !anchors(read(resolved)).has(anchor)) {
          broken.push(`${file}: ${link} (no heading #${anchor} in ${resolved})`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});

// Room sizes: no TypeScript file under src/ grows past what a newcomer can read in one sitting. A file that
// needs more than 600 lines or 30 kB holds more than one responsibility and is split (issue 19).

import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
const MAX_LINES = 600;
const MAX_BYTES = 30 * 1024;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

describe('source file sizes', () => {
  it(`keeps every .ts file under src/ within ${MAX_LINES} lines and ${MAX_BYTES / 1024} kB`, () => {
    const over = tsFiles(SRC).flatMap((f) => {
      const text = readFileSync(f, 'utf8');
      const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
      const bytes = Buffer.byteLength(text);
      return lines > MAX_LINES || bytes > MAX_BYTES ? [`${relative(SRC, f)}: ${lines} lines, ${bytes} bytes`] : [];
    });
    expect(over).toEqual([]);
  });
});

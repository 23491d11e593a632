// Without a working `sharp`, decoding in Node fails with an error naming the package and its install command,
// and a folder load fails with it up front instead of skipping every file (the module is replaced by a broken
// one here; the other tests use the real one).

import { describe, expect, it, vi } from 'vitest';
import { decodeNode, fromFolder } from './index.ts';
import { sharpLoadError } from './node.ts';

vi.mock('sharp', () => {
  throw new Error('no sharp here');
});

describe('sharp missing', () => {
  it('an unresolvable package: "sharp is not installed" and the install command', () => {
    const e = sharpLoadError(Object.assign(new Error("Cannot find package 'sharp'"), { code: 'ERR_MODULE_NOT_FOUND' }));
    expect(e.message).toBe('sharp is not installed: decoding images in Node needs the `sharp` package: npm install sharp');
  });

  it('a package that fails to load: decodeNode and fromFolder say so, naming the install command', async () => {
    const message = /^the `sharp` package failed to load \(.+\); decoding images in Node needs the `sharp` package: npm install sharp$/;
    await expect(decodeNode(Uint8Array.of(1, 2, 3))).rejects.toThrow(message);
    await expect(fromFolder('.', { onWarning: () => {} })).rejects.toThrow(/npm install sharp/);
  });
});

// The shipped trunk as users get it: the package carries pretrained/ (package.json `files`), transfer.pretrainedDigits()
// finds the weights beside the module (a file: URL in Node), and its input spec (DIGITS_INPUT) is the one the model
// card says. Loading the weights needs a device: tests/gpu/readme.test.ts (docs/transfer.md#transfer, in the page)
// and tests/package/run.mjs (the same block from the installed tarball, in Node and in a vite app).

import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseSafetensors } from '../../src/nn/safetensors.ts';
import { DIGITS_INPUT, pretrainedDigits, pretrainedDigitsUrl } from '../../src/models/pretrained.ts';

const REPO = path.resolve(import.meta.dirname, '../..');

describe('the shipped pretrained trunk', () => {
  it('is found beside the module: pretrained/digits-0to4.safetensors, with the digits CNN’s keys', () => {
    const url = pretrainedDigitsUrl();
    expect(url.protocol).toBe('file:');
    const file = fileURLToPath(url);
    expect(file).toBe(path.join(REPO, 'pretrained/digits-0to4.safetensors'));
    const { tensors } = parseSafetensors(readFileSync(file));
    expect(tensors.get('features.0.0.weight')?.shape).toEqual([8, 1, 3, 3]);
    expect(tensors.get('classifier.1.weight')?.shape).toEqual([5, 288]);
  });

  it('takes 28×28 grey input scaled to [0, 1] with no mean or std, as its model card says', () => {
    expect(DIGITS_INPUT).toEqual({ size: [28, 28], channels: 1, resizeShorter: null, mean: [0], std: [1] });
    const card = JSON.parse(readFileSync(path.join(REPO, 'pretrained/digits-0to4.json'), 'utf8')) as { input: Record<string, unknown> };
    const { note, ...spec } = card.input;
    expect(spec).toEqual(DIGITS_INPUT);
    expect(note).toMatch(/v\/255/);
    // The Fashion-MNIST trunk takes the same input; its note speaks of garments, not digits.
    const fashion = JSON.parse(readFileSync(path.join(REPO, 'pretrained/fashion-0to4.json'), 'utf8')) as { input: Record<string, unknown> };
    const { note: fashionNote, ...fashionSpec } = fashion.input;
    expect(fashionSpec).toEqual(DIGITS_INPUT);
    expect(fashionNote).toMatch(/v\/255.*Fashion-MNIST/);
    expect(fashionNote).not.toMatch(/digits on black/);
    expect(Object.isFrozen(DIGITS_INPUT) && Object.isFrozen(DIGITS_INPUT.size)).toBe(true);
  });

  it('is in the npm package: package.json `files` names the weights and the card', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toEqual(expect.arrayContaining(['pretrained/*.safetensors', 'pretrained/*.json']));
    for (const f of ['digits-0to4.safetensors', 'digits-0to4.json']) expect(existsSync(path.join(REPO, 'pretrained', f))).toBe(true);
  });

  it('given a { url } that answers 404, says so and what to do, before any GPU work (no device here)', async () => {
    const server = createServer((_req, res) => res.writeHead(404, 'Not Found').end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/digits.safetensors`;
      await expect(pretrainedDigits({ url })).rejects.toThrow(`pretrainedDigits: ${url} answered 404 Not Found: serve pretrained/digits-0to4.safetensors`);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

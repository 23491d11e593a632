// The matmul kernels' tile geometries are constants in src/engine/ops/matmul.ts, passed to the WGSL as
// override constants. v3 (matmul_tiled_large.wgsl) prefetches each operand's next tile into registers as
// whole vec4 words, `array<vec4<f32>, MAX_WORDS>` per thread, and loops over exactly (tile rows / 4 × TILE_K)
// / threads of them: that must be a whole number no larger than MAX_WORDS, or the kernel would skip words or
// index past its registers. Checked here, once, rather than on every launch.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { V2_TILES, V3_TILES } from '../../src/engine/ops/matmul.ts';

const wgsl = (f: string): string => readFileSync(new URL(`../../src/shaders/${f}`, import.meta.url), 'utf8');

describe('matmul tile geometry', () => {
  it('v3: every thread loads a whole number of vec4 words, at most MAX_WORDS, of each operand tile', () => {
    const maxWords = Number(/^const MAX_WORDS: u32 = (\d+)u;/m.exec(wgsl('matmul_tiled_large.wgsl'))?.[1]);
    expect(maxWords).toBe(2);
    const threads = V3_TILES.WG_X * V3_TILES.WG_Y;
    for (const rows of [8 * V3_TILES.WG_Y, 8 * V3_TILES.WG_X]) {
      const perThread = ((rows / 4) * V3_TILES.TILE_K) / threads;
      expect(Number.isInteger(perThread)).toBe(true);
      expect(perThread).toBeLessThanOrEqual(maxWords);
      expect(perThread).toBeGreaterThan(0);
    }
  });

  it('v2 and v3 fit the WebGPU default workgroup limits (256 invocations, 16 KiB of shared memory)', () => {
    for (const t of [V2_TILES, V3_TILES]) expect(t.WG_X * t.WG_Y).toBeLessThanOrEqual(256);
    // v2: A and B tiles of (4·WG) × TILE_K floats; v3: two buffers of each (double-buffered).
    expect(4 * (4 * V2_TILES.WG_Y + 4 * V2_TILES.WG_X) * V2_TILES.TILE_K).toBeLessThanOrEqual(16384);
    expect(4 * 2 * (8 * V3_TILES.WG_Y + 8 * V3_TILES.WG_X) * V3_TILES.TILE_K).toBeLessThanOrEqual(16384);
  });
});

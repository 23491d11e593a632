// checkOptions (unknown keys name the key, a suggestion and the accepted keys) and the engine's random
// stream (manualSeed, getRngState/setRngState, randperm) without a GPU.

import { describe, expect, it } from 'vitest';
import { checkOptions } from '../../src/engine/options.ts';
import { drawSeed, getRngState, manualSeed, randperm, setRngState } from '../../src/engine/random.ts';

describe('checkOptions', () => {
  it('passes known keys and undefined, rejects unknown keys with a suggestion', () => {
    expect(() => checkOptions('op', undefined, ['a'])).not.toThrow();
    expect(() => checkOptions('op', { lr: 1, weightDecay: undefined }, ['lr', 'weightDecay'])).not.toThrow();
    expect(() => checkOptions('AdamW', { weight_decay: 0 }, ['lr', 'weightDecay']))
      .toThrow('AdamW: unknown option "weight_decay" (did you mean "weightDecay"?); accepted: lr, weightDecay');
    expect(() => checkOptions('Linear', { bais: 0 }, ['bias'])).toThrow('(did you mean "bias"?)');
    expect(() => checkOptions('op', { zzz: 0 }, ['lr'])).toThrow(/^op: unknown option "zzz"; accepted: lr$/);
    expect(() => checkOptions('op', { x: undefined }, [])).toThrow('accepted: none');
    expect(() => checkOptions('op', 3, ['a'])).toThrow(TypeError);
    expect(() => checkOptions('op', null, ['a'])).toThrow('options must be an object, got null');
  });
});

describe('random stream', () => {
  it('manualSeed fixes the draws; a saved state replays them', () => {
    manualSeed(42);
    const a = [drawSeed(), drawSeed()];
    manualSeed(42);
    expect([drawSeed(), drawSeed()]).toEqual(a);
    const state = getRngState();
    const p = Array.from(randperm(20));
    setRngState(JSON.parse(JSON.stringify(state)));
    expect(Array.from(randperm(20))).toEqual(p);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(Array.from(randperm(0))).toEqual([]);
    expect(Array.from(randperm(5, { seed: 1 }))).toEqual(Array.from(randperm(5, { seed: 1 })));
    expect(() => randperm(-1)).toThrow('randperm: n must be an integer ≥ 0, got -1');
    expect(() => setRngState({ algorithm: 'lcg32', state: -1 })).toThrow(/^setRngState/);
  });
});

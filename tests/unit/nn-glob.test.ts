// Path globs (src/nn/glob.ts): whole-segment matching, `*` within a segment, `**` across segments, and a
// pattern naming a module selecting everything below it.

import { describe, expect, it } from 'vitest';
import { globMatches } from '../../src/nn/glob.ts';

const paths = ['trunk.0.weight', 'trunk.0.bias', 'trunk.3.weight', 'head.weight', 'head.bias', 'header.weight', 'layer12.conv.weight'];
const select = (glob: string | string[]): string[] => paths.filter((p) => globMatches(glob, p));

describe('path globs', () => {
  it('a module path selects its subtree, by whole segments', () => {
    expect(select('trunk')).toEqual(['trunk.0.weight', 'trunk.0.bias', 'trunk.3.weight']);
    expect(select('trunk.*')).toEqual(select('trunk'));
    expect(select('trunk.**')).toEqual(select('trunk'));
    expect(select('head')).toEqual(['head.weight', 'head.bias']);
    expect(select('trunk.0')).toEqual(['trunk.0.weight', 'trunk.0.bias']);
    expect(select('trunk.0.weight')).toEqual(['trunk.0.weight']);
  });

  it('* stays within one segment; ** spans any number, including none', () => {
    expect(select('*.weight')).toEqual(['head.weight', 'header.weight']);
    expect(select('**.weight')).toEqual(['trunk.0.weight', 'trunk.3.weight', 'head.weight', 'header.weight', 'layer12.conv.weight']);
    expect(select('trunk.*.bias')).toEqual(['trunk.0.bias']);
    expect(select('head*')).toEqual(['head.weight', 'head.bias', 'header.weight']);
    expect(select('layer*.conv')).toEqual(['layer12.conv.weight']);
    expect(select('l*2.**.weight')).toEqual(['layer12.conv.weight']);
    expect(select('**.conv.**')).toEqual(['layer12.conv.weight']);
    expect(select('he*er')).toEqual(['header.weight']);
  });

  it('everything, nothing, and lists', () => {
    expect(select('')).toEqual(paths);
    expect(select('**')).toEqual(paths);
    expect(select('trunk.0.weight.x')).toEqual([]);
    expect(select('hea')).toEqual([]);
    expect(select(['head', 'trunk.3'])).toEqual(['trunk.3.weight', 'head.weight', 'head.bias']);
  });
});

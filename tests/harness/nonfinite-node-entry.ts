// Node entry of scripts/check-nonfinite-node.mjs (not a test file): the NaN/inf PyTorch cases through Dawn (npm `webgpu`).
import { gpu } from '../../bench/node-setup.ts';
import * as E from '../../src/index.ts';
import { runNonfiniteCases, type NonfiniteCase } from './nonfinite.ts';
import fixture from '../fixtures/torch/nonfinite.json';

const info = await E.init({ gpu });
const report = await runNonfiniteCases(E, (fixture as { cases: NonfiniteCase[] }).cases);
const failed = Object.entries(report).filter(([, bad]) => bad.length > 0);
const after = Array.from(await E.tensor([1, 2]).mul(3).data());
E.shutdown(); // destroy the device before exit (Dawn on SwiftShader may crash otherwise)
console.log(`adapter: ${info.adapter}`);
console.log(`${Object.keys(report).length - failed.length}/${Object.keys(report).length} cases match PyTorch; after: [${after.join(', ')}]`);
for (const [name, bad] of failed) console.log(`  ${name}: ${JSON.stringify(bad.slice(0, 4))}`);
process.exitCode = failed.length === 0 && after[0] === 3 && after[1] === 6 ? 0 : 1;

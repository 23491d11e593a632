// The GPU run: its sections (bench/gpu/sections/*.ts, each exporting `section`, see section.ts) one after another,
// each under its own time cap, in Node on Dawn (npm `webgpu`): no browser on the GPU machine. bench/gpu/build.mjs
// bundles this file (with the engine, TF.js, and the kernel test files for the correctness section) into
// dist-gpu/gpu-run/; `npm run bench:gpu -- --pack` packs it, bench/gpu/run.sh runs it there:
//   node dist-gpu/gpu-run/main.mjs --out-dir OUT [--only kernels,training] [--tiny] [--no-tfjs] [--no-jaxjs] [--list]
// Writes OUT/gpu-run.json (every section's data) and OUT/gpu-run.md (their tables); exits 1 if a section failed.
// Runs from the project root (the correctness section reads the test fixtures, the training one runs
// bench/gpu/torch_reference.py with $PYTHON or python3).

import { gpu } from '../node-setup.ts';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
// Gradients of TF.js's ops (for the training-step rows): tfjs-core registers them only in this module.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as jaxModule from '@jax-js/jax';
import { initJax, type Jax } from '../jaxjs.ts';
import * as engine from '../../src/index.ts';
import * as internal from '../../src/engine/internal.ts';
import type { Section, SectionContext, SectionResult } from './section.ts';
import type { TorchReference } from './torch.ts';

const E = { ...engine, internal };
const modules = import.meta.glob<{ section: Section }>('./sections/*.ts', { eager: true });
const ALL = Object.values(modules)
  .map((m) => m.section)
  .sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));

const { values } = parseArgs({
  options: {
    'out-dir': { type: 'string', default: 'gpu-results' },
    only: { type: 'string' },
    tiny: { type: 'boolean', default: false },
    'no-tfjs': { type: 'boolean', default: false },
    'no-jaxjs': { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
  },
});

interface SectionRecord extends SectionResult {
  name: string;
  status: 'done' | 'capped' | 'error';
  seconds: number;
  capSeconds: number;
}

const log = (m: string): void => console.log(m);

/** Runs bench/gpu/torch_reference.py into OUT/torch-reference.json (within `seconds`); never throws. */
function runTorch(outDir: string, tiny: boolean, seconds: number): Promise<TorchReference> {
  const file = path.join(outDir, 'torch-reference.json');
  const py = process.env.PYTHON || 'python3';
  return new Promise((resolve) => {
    const child = spawn(py, ['bench/gpu/torch_reference.py', file, ...(tiny ? ['--quick'] : [])], { stdio: ['ignore', 'inherit', 'inherit'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), seconds * 1000);
    const done = (why: string | null): void => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(readFileSync(file, 'utf8')) as TorchReference);
      } catch {
        resolve({ error: why ?? 'no reference written' });
      }
    };
    child.on('error', (e) => done(`${py}: ${e.message}`));
    child.on('exit', (code, signal) => done(signal ? `torch_reference.py ended by ${signal}` : code ? `torch_reference.py exited ${code}` : null));
  });
}

async function main(): Promise<void> {
  if (values.list) {
    for (const s of ALL) {
      console.log(`${s.name.padEnd(12)} cap ${s.capSeconds} s (--tiny ${s.tinyCapSeconds} s)  ${s.title}${s.optIn ? ' (only with --only)' : ''}`);
    }
    return;
  }
  const started = Date.now();
  const only = values.only ? values.only.split(',').map((s) => s.trim()) : null;
  const unknown = (only ?? []).filter((n) => !ALL.some((s) => s.name === n));
  if (unknown.length) throw new Error(`--only: no section ${unknown.join(', ')}; there are ${ALL.map((s) => s.name).join(', ')}`);
  const sections = ALL.filter((s) => (only ? only.includes(s.name) : !s.optIn));
  const outDir = values['out-dir'];
  mkdirSync(outDir, { recursive: true });

  const info = await E.init({ gpu, powerPreference: 'high-performance' });
  const useTf = !values['no-tfjs'];
  if (useTf && !(await tf.setBackend('webgpu'))) throw new Error('TF.js: the webgpu backend did not initialize');
  // jax-js (the jaxjs section): started once; if it cannot start, the section reports why instead of failing the run.
  let jax: Jax | null = null;
  let jaxError: string | null = values['no-jaxjs'] ? 'jax-js off (--no-jaxjs)' : null;
  if (!values['no-jaxjs']) {
    try {
      await initJax(jaxModule);
      jax = jaxModule;
    } catch (e) {
      jaxError = e instanceof Error ? e.message : String(e);
    }
  }
  log(`adapter: ${info.adapter}; jax-js: ${jax ? 'webgpu' : jaxError}; sections: ${sections.map((s) => s.name).join(', ')}${values.tiny ? ' (tiny)' : ''}`);

  let torch: Promise<TorchReference> | null = null;
  let torchDone: TorchReference | null = null;
  const records: SectionRecord[] = [];
  for (const s of sections) {
    const cap = values.tiny ? s.tinyCapSeconds : s.capSeconds;
    const deadline = Date.now() + cap * 1000;
    const timeLeft = (): number => (deadline - Date.now()) / 1000;
    const ctx: SectionContext = {
      E,
      tf: useTf ? tf : null,
      jax,
      jaxError,
      tiny: values.tiny,
      outDir,
      timeLeft,
      log: (m) => log(`[${s.name}] ${m}`),
      torchReference: () =>
        (torch ??= runTorch(outDir, values.tiny, Math.max(10, Math.min(120, timeLeft() - 10))).then((r) => {
          torchDone = r;
          return r;
        })),
      torchReferenceIfRun: () => torchDone,
    };
    log(`\n== ${s.name}: ${s.title} (cap ${cap} s)`);
    const t0 = Date.now();
    let capTimer: NodeJS.Timeout | undefined;
    const capped = new Promise<'capped'>((resolve) => {
      capTimer = setTimeout(() => resolve('capped'), cap * 1000 + 5000);
    });
    let record: SectionRecord;
    try {
      const r = await Promise.race([s.run(ctx), capped]);
      record =
        r === 'capped'
          ? { name: s.name, status: 'capped', ok: false, summary: `still running at its cap (${cap} s)`, markdown: '', data: null, seconds: 0, capSeconds: cap }
          : { name: s.name, status: 'done', ...r, seconds: 0, capSeconds: cap };
    } catch (e) {
      const text = e instanceof Error ? (e.stack ?? e.message) : String(e);
      record = {
        name: s.name,
        status: 'error',
        ok: false,
        summary: text.split('\n')[0]!,
        markdown: `\`\`\`\n${text}\n\`\`\``,
        data: null,
        seconds: 0,
        capSeconds: cap,
      };
    } finally {
      clearTimeout(capTimer);
    }
    record.seconds = (Date.now() - t0) / 1000;
    records.push(record);
    log(`== ${s.name}: ${record.ok ? 'ok' : 'FAILED'} in ${record.seconds.toFixed(1)} s: ${record.summary}`);
    if (record.status === 'capped') break; // its work may still be running on the device: stop here
  }

  const date = new Date().toISOString();
  const header = {
    date,
    adapter: info.adapter,
    runtime: `Node ${process.version}, Dawn (npm webgpu); ${cpus().length} logical CPUs`,
    tiny: values.tiny,
    command: process.argv.slice(2),
  };
  writeFileSync(path.join(outDir, 'gpu-run.json'), `${JSON.stringify({ ...header, sections: records }, null, 2)}\n`);
  const md = [`# GPU run: ${info.adapter}, ${date}${values.tiny ? ' (tiny)' : ''}`, '', header.runtime, ''];
  md.push('| section | result | seconds (cap) | summary |', '| --- | --- | --- | --- |');
  const result = (r: SectionRecord): string => (r.ok ? 'ok' : r.status === 'done' ? 'FAILED' : r.status);
  for (const r of records) md.push(`| ${r.name} | ${result(r)} | ${r.seconds.toFixed(0)} (${r.capSeconds}) | ${r.summary.replace(/\|/g, '/')} |`);
  for (const r of records) if (r.markdown) md.push('', `## ${r.name}`, '', r.markdown);
  writeFileSync(path.join(outDir, 'gpu-run.md'), `${md.join('\n')}\n`);
  log(`\nwrote ${path.join(outDir, 'gpu-run.json')} and gpu-run.md (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  for (const r of records) log(`  ${r.name.padEnd(12)} ${result(r).padEnd(7)} ${r.seconds.toFixed(1).padStart(6)} s  ${r.summary}`);
  if (records.some((r) => !r.ok) || records.length < sections.length) process.exitCode = 1;
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

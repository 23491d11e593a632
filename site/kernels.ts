// The kernel explorer. Per kernel family: a version picker (naive first), a size sweep that validates every
// version against a CPU reference (sampled outputs for large sizes) and only then times it, a chart of GFLOP/s
// or GB/s against size for every version and TF.js, the WGSL source of the picked version with its header
// table, and the kernels and tile constants the default dispatch ('auto') chose at each size.
//
// Timing: with 'timestamp-query', many dispatches in each timed compute pass (bench/harness.ts batchedGpuMs),
// enough that a pass lasts ≥ PASS_TARGET_MS, so the browser's timestamp rounding (100 µs in Chrome) is a small
// part of it; the median of three passes. Without timestamps: wall time over the same number of runs.
// TF.js: tf.time()'s kernelMs with timestamps (TF.js times each kernel in a pass of its own), else wall time.

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import * as E from '../src/index.ts';
import { batchedGpuMs, isCpuAdapter, tfSubject } from '../bench/harness.ts';
import { randomArray } from '../tests/harness/random.ts';
import { lineChart, type LineSeries } from '../examples/svg-chart.ts';
import { QUICK, byId, esc, fmt, job, markReady, progress, showError, site } from './common.ts';

const SHADERS = import.meta.glob<string>('../src/shaders/*.wgsl', { query: '?raw', import: 'default', eager: true });
const shaderSource = (file: string): string | undefined => SHADERS[`../src/shaders/${file}.wgsl`];

/** Time a timed pass should last at least (ms), for the rounding of timestamps to matter little. */
const PASS_TARGET_MS = 5;
const MAX_RUNS_PER_PASS = 256;
/** Outputs checked against the CPU reference: all when there are at most this many, else this many, sampled. */
const SAMPLES = 384;

interface Version {
  id: string;
  /** What the version does (from the kernel registry). */
  idea: string;
  /** WGSL files (src/shaders/<file>.wgsl) it dispatches. */
  files: string[];
}

interface Instance {
  /** One run with `version` forced ('auto': the default dispatch). */
  run(version: string): E.Tensor;
  tfjs: (() => tf.Tensor) | null;
  /** Reference values at `indices` of the flat output. */
  reference(indices: number[]): number[];
  outputSize: number;
  tolerance: { atol: number; rtol: number };
  dispose(): void;
}

interface Family {
  id: string;
  title: string;
  metric: 'GFLOP/s' | 'GB/s';
  /** What the swept size is, e.g. 'n (n × n × n product)'. */
  size: string;
  sizes: number[];
  quickSizes: number[];
  versions(): Version[];
  /** Work per run: flops (GFLOP/s) or bytes moved (GB/s). */
  work(n: number): number;
  /** Bytes of the largest buffer at size n (checked against the adapter's limits before any GPU work). */
  largestBuffer(n: number): number;
  setup(n: number): Instance;
}

/** 'conv2d_fwd_naive: one thread per output' → 'conv2d_fwd_naive'. */
function fileOf(idea: string): string {
  return idea.split(':')[0]!.trim();
}

/** The v<N> versions of a pass in the kernel registry, each with its kernel file (its summary starts with the file's stem). */
function versionsOf(pass: string): Version[] {
  const info = E.extend.kernelVersions.get(pass);
  return info.versionNames.filter((v) => /^v\d+$/.test(v)).map((id) => ({ id, idea: info.summary(id), files: [fileOf(info.summary(id))] }));
}

/** Runs `fn` with `pass` forced to `version`, or under the auto rule for 'auto'. */
function withVersion<T>(pass: string, version: string, fn: () => T): T {
  return version === 'auto' ? fn() : E.extend.kernelVersions.using({ [pass]: version }, fn);
}

function sampleIndices(n: number, seed: number): number[] {
  if (n <= SAMPLES) return Array.from({ length: n }, (_, i) => i);
  const out = new Set<number>([0, n - 1]);
  let s = seed >>> 0;
  while (out.size < SAMPLES) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.add(s % n);
  }
  return [...out].sort((a, b) => a - b);
}

type ConvPass = 'forward' | 'dgrad' | 'wgrad';
const PASS_NAMES: Record<ConvPass, string> = { forward: 'forward', dgrad: 'input gradient (dgrad)', wgrad: 'weight gradient (wgrad)' };

const FAMILIES: Family[] = [
  {
    id: 'matmul', title: 'matmul (square)', metric: 'GFLOP/s', size: 'n (an n×n by n×n product)',
    sizes: [64, 128, 256, 512, 1024, 2048], quickSizes: [16, 32, 64],
    versions: () => versionsOf('matmul'),
    work: (n) => 2 * n ** 3,
    largestBuffer: (n) => 4 * n * n,
    setup(n) {
      const a = randomArray(n * n, 1);
      const b = randomArray(n * n, 2);
      const A = E.tensor(a, [n, n]);
      const B = E.tensor(b, [n, n]);
      const tA = tfOn ? tf.tensor2d(a, [n, n]) : null;
      const tB = tfOn ? tf.tensor2d(b, [n, n]) : null;
      return {
        run: (version) => withVersion('matmul', version, () => E.matmul(A, B)),
        tfjs: tA && tB ? () => tf.matMul(tA, tB) : null,
        reference: (idx) => idx.map((o) => {
          const i = Math.floor(o / n);
          const j = o % n;
          let s = 0;
          for (let k = 0; k < n; k++) s += a[i * n + k]! * b[k * n + j]!;
          return s;
        }),
        outputSize: n * n,
        tolerance: { atol: 1e-3 * Math.sqrt(n / 64), rtol: 1e-3 },
        dispose: () => [A, B, tA, tB].forEach((t) => t?.dispose()),
      };
    },
  },
  ...(['forward', 'dgrad', 'wgrad'] as const).map((pass) => convFamily(false, pass)),
  ...(['forward', 'dgrad', 'wgrad'] as const).map((pass) => convFamily(true, pass)),
  {
    id: 'maxpool', title: 'maxPool2d 2×2 / 2 forward', metric: 'GB/s', size: 'H = W, 16 channels, N = 1',
    sizes: [32, 64, 128, 256, 512], quickSizes: [8, 16, 32],
    versions: () => versionsOf('maxPool2d.forward'),
    work: (h) => 4 * (16 * h * h + 2 * 16 * (h / 2) ** 2),
    largestBuffer: (h) => 4 * 16 * h * h,
    setup(h) {
      const C = 16;
      const x = randomArray(C * h * h, 3);
      const X = E.tensor(x, [1, C, h, h]);
      const tX = tfOn ? tf.tensor4d(x, [1, h, h, C]) : null;
      const oh = Math.floor(h / 2);
      return {
        run: (version) => withVersion('maxPool2d.forward', version, () => E.maxPool2d(X, 2)),
        tfjs: tX ? () => tf.maxPool(tX, 2, 2, 'valid') : null,
        reference: (idx) => idx.map((o) => {
          const c = Math.floor(o / (oh * oh));
          const y = Math.floor((o % (oh * oh)) / oh);
          const xx = o % oh;
          let m = -Infinity;
          for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) m = Math.max(m, x[(c * h + 2 * y + dy) * h + 2 * xx + dx]!);
          return m;
        }),
        outputSize: C * oh * oh,
        tolerance: { atol: 0, rtol: 0 },
        dispose: () => [X, tX].forEach((t) => t?.dispose()),
      };
    },
  },
];


/**
 * conv2d 3×3, stride 1, padding 1, N = 1, one pass: dense (size = channels C = O at 28²) or depthwise (size = H
 * at 32 channels). dgrad and wgrad run the raw passes the backward runs (extend.conv2dPasses), on a random
 * output gradient; TF.js runs the kernels tf.grads would (as bench/cases/conv.ts and depthwise.ts do).
 */
function convFamily(depthwise: boolean, pass: ConvPass): Family {
  const geometry = (n: number): { C: number; H: number } => (depthwise ? { C: 32, H: n } : { C: n, H: 28 });
  const name = depthwise ? 'depthwise' : 'conv2d';
  const registered = `${name}.${pass}`;
  return {
    id: pass === 'forward' ? name : `${name}-${pass}`,
    title: `${depthwise ? 'depthwise conv2d' : 'conv2d'} 3×3 ${PASS_NAMES[pass]}`,
    size: depthwise ? 'H = W, 32 channels, N = 1, padding 1' : 'C = O channels, 28×28, N = 1, padding 1',
    sizes: depthwise ? [28, 56, 112, 224] : [16, 32, 64, 128, 256],
    quickSizes: depthwise ? [8, 16, 24] : [4, 8, 16],
    metric: depthwise ? 'GB/s' : 'GFLOP/s',
    versions: () => versionsOf(registered),
    work(n) {
      const { C, H } = geometry(n);
      return depthwise ? 4 * (2 * C * H * H + 9 * C) : 2 * C * H * H * C * 9;
    },
    largestBuffer(n) {
      const { C, H } = geometry(n);
      return 4 * Math.max(C * H * H, depthwise ? 9 * C : 9 * C * C);
    },
    setup(n) {
      const { C, H } = geometry(n);
      const Cg = depthwise ? 1 : C;
      const groups = depthwise ? C : 1;
      const x = randomArray(C * H * H, 4);
      const w = randomArray(C * Cg * 9, 5);
      const g = randomArray(C * H * H, 6);
      const X = E.tensor(x, [1, C, H, H]);
      const W = E.tensor(w, [C, Cg, 3, 3]);
      const G = E.tensor(g, [1, C, H, H]);
      const d = E.extend.conv2dPasses.geometry(X, W, { padding: 1, groups });
      // TF.js: NHWC / HWIO copies of the same values (layout is not validated here: ours is checked against the CPU).
      const tX = tfOn ? tf.tensor4d(x, [1, H, H, C]) : null;
      const tW = tfOn ? tf.tensor4d(w, depthwise ? [3, 3, C, 1] : [3, 3, C, C]) : null;
      const tG = tfOn ? tf.tensor4d(g, [1, H, H, C]) : null;
      const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [1, 1], [1, 1], [0, 0]];
      const attrs = { strides: [1, 1], pad, dilations: [1, 1], dataFormat: 'NHWC' };
      const tfRuns: Record<ConvPass, () => tf.Tensor> = {
        forward: () => (depthwise ? tf.depthwiseConv2d(tX as tf.Tensor4D, tW as tf.Tensor4D, 1, pad) : tf.conv2d(tX as tf.Tensor4D, tW as tf.Tensor4D, 1, pad)),
        dgrad: () => tf.engine().runKernel(
          depthwise ? tf.DepthwiseConv2dNativeBackpropInput : tf.Conv2DBackpropInput, { dy: tG!, filter: tW! }, { ...attrs, inputShape: [1, H, H, C] },
        ) as tf.Tensor,
        wgrad: () => tf.engine().runKernel(
          depthwise ? tf.DepthwiseConv2dNativeBackpropFilter : tf.Conv2DBackpropFilter, { x: tX!, dy: tG! },
          { ...attrs, filterShape: [3, 3, C, depthwise ? 1 : C] },
        ) as tf.Tensor,
      };
      const at = (a: Float32Array, c: number, y: number, xx: number): number => (y < 0 || y >= H || xx < 0 || xx >= H ? 0 : a[(c * H + y) * H + xx]!);
      const reference = (idx: number[]): number[] => idx.map((o) => {
        let s = 0;
        if (pass === 'wgrad') {
          // dw[oc, ci, ky, kx] = Σ_y,x g[oc, y, x] · x[c0 + ci, y + ky − 1, x + kx − 1]
          const oc = Math.floor(o / (Cg * 9));
          const ci = Math.floor((o % (Cg * 9)) / 9);
          const ky = Math.floor((o % 9) / 3);
          const kx = o % 3;
          const c = (depthwise ? oc : 0) + ci;
          for (let y = 0; y < H; y++) for (let xx = 0; xx < H; xx++) s += g[(oc * H + y) * H + xx]! * at(x, c, y + ky - 1, xx + kx - 1);
          return s;
        }
        const c = Math.floor(o / (H * H));
        const y = Math.floor((o % (H * H)) / H);
        const xx = o % H;
        for (let ky = 0; ky < 3; ky++) {
          for (let kx = 0; kx < 3; kx++) {
            if (pass === 'forward') {
              // y[c, y, x] = Σ_ci,ky,kx x[c0 + ci, y + ky − 1, x + kx − 1] · w[c, ci, ky, kx]
              for (let ci = 0; ci < Cg; ci++) s += at(x, (depthwise ? c : 0) + ci, y + ky - 1, xx + kx - 1) * w[((c * Cg + ci) * 3 + ky) * 3 + kx]!;
            } else {
              // dx[c, y, x] = Σ_oc,ky,kx g[oc, y − ky + 1, x − kx + 1] · w[oc, c − c0, ky, kx]
              const ocs = depthwise ? [c] : Array.from({ length: C }, (_, k) => k);
              for (const oc of ocs) s += at(g, oc, y - ky + 1, xx - kx + 1) * w[((oc * Cg + (depthwise ? 0 : c)) * 3 + ky) * 3 + kx]!;
            }
          }
        }
        return s;
      });
      const reduction = pass === 'wgrad' ? H * H : 9 * Cg;
      return {
        run: (version) => withVersion(registered, version, () => {
          if (pass === 'forward') return E.conv2d(X, W, null, { padding: 1, groups });
          return pass === 'dgrad' ? E.extend.conv2dPasses.inputGrad(G, W, d) : E.extend.conv2dPasses.weightGrad(G, X, d);
        }),
        tfjs: tX && tW && tG ? tfRuns[pass] : null,
        reference,
        outputSize: pass === 'wgrad' ? C * Cg * 9 : C * H * H,
        tolerance: { atol: 1e-3 * Math.sqrt(reduction / 64), rtol: 1e-3 },
        dispose: () => [X, W, G, tX, tW, tG].forEach((t) => t?.dispose()),
      };
    },
  };
}

// ------------------------------------------------------------------ page

const message = byId('message');
const bar = progress(byId('progress'));
const familySelect = byId<HTMLSelectElement>('family');
const versionSelect = byId<HTMLSelectElement>('version');
const sizesInput = byId<HTMLInputElement>('sizes');
const tfjsBox = byId<HTMLInputElement>('tfjs');
const sweepButton = byId<HTMLButtonElement>('sweep');
const params = new URLSearchParams(location.search);
/** `?mismatch=<family>:<version>`: perturbs that version's output before validation (the page tests check the mismatch display). */
const INJECT = params.get('mismatch');
let tfOn = false;
let timestamps = false;

function family(): Family {
  return FAMILIES.find((f) => f.id === familySelect.value) ?? FAMILIES[0]!;
}

function showSource(): void {
  const v = family().versions().find((x) => x.id === versionSelect.value);
  if (!v) return;
  byId('source-title').textContent = `WGSL source: ${v.files.map((f) => `src/shaders/${f}.wgsl`).join(', ')} (${family().id} ${v.id})`;
  byId('source').innerHTML = v.files.map((f) => {
    const src = shaderSource(f);
    if (src === undefined) return `// ${f}.wgsl: not found among src/shaders`;
    return esc(src).split('\n').map((line) => (/^\s*\/\//.test(line) ? `<span class="comment">${line}</span>` : line)).join('\n');
  }).join('\n\n');
}

function selectFamily(): void {
  const f = family();
  versionSelect.replaceChildren(...f.versions().map((v) => new Option(`${v.id} — ${v.idea}`, v.id)));
  versionSelect.value = f.versions().at(-1)!.id;
  // A CPU adapter (SwiftShader, ~1 GFLOP/s) starts from the small sizes: the large ones take minutes there.
  sizesInput.value = (QUICK || isCpuAdapter(E.engineInfo().adapter) ? f.quickSizes : f.sizes).join(', ');
  byId('family-note').textContent = `size: ${f.size}; figure: ${f.metric}; ${f.versions().length} version(s), naive first`;
  showSource();
}

/** Parses the size list and checks every size against the adapter's buffer limits, before any GPU work. */
function readSizes(f: Family): number[] {
  const parts = sizesInput.value.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0) throw new Error('sizes: give one or more sizes, e.g. 64, 128, 256');
  const sizes = parts.map((p) => {
    const v = Number(p);
    if (!Number.isInteger(v) || v < 1) throw new Error(`sizes: "${p}" is not a positive whole number`);
    return v;
  });
  const limits = E.engineInfo().limits;
  const maxBinding = limits.maxStorageBufferBindingSize;
  for (const n of sizes) {
    const bytes = f.largestBuffer(n);
    if (bytes > maxBinding) {
      throw new Error(`size ${n} is too large for this adapter: ${f.id} at ${n} needs a ${(bytes / 2 ** 20).toFixed(0)} MiB buffer, `
        + `and maxStorageBufferBindingSize is ${(maxBinding / 2 ** 20).toFixed(0)} MiB. Pick a smaller size.`);
    }
  }
  return [...new Set(sizes)].sort((a, b) => a - b);
}

interface Cell {
  ms: number | null;
  figure: number | null;
  method: string;
  check: string | null;
}

async function timeOurs(run: () => E.Tensor): Promise<{ ms: number; method: string }> {
  run().dispose();
  await E.sync();
  const t0 = performance.now();
  run().dispose();
  await E.sync();
  const oneMs = Math.max(performance.now() - t0, 1e-3);
  const runs = Math.max(1, Math.min(MAX_RUNS_PER_PASS, Math.ceil(PASS_TARGET_MS / oneMs)));
  const samples: number[] = [];
  for (let p = 0; p < 3; p++) {
    if (timestamps) samples.push(await batchedGpuMs(run, runs, 1));
    else {
      const t1 = performance.now();
      for (let r = 0; r < runs; r++) run().dispose();
      await E.sync();
      samples.push((performance.now() - t1) / runs);
    }
  }
  samples.sort((a, b) => a - b);
  return { ms: samples[1]!, method: `${timestamps ? 'timestamps' : 'wall'}, ${runs} per pass` };
}

async function timeTf(run: () => tf.Tensor): Promise<{ ms: number; method: string }> {
  const s = tfSubject(tf, run, timestamps);
  const oneMs = Math.max(await s.warm(), 1e-3);
  const runs = Math.max(1, Math.min(MAX_RUNS_PER_PASS, Math.ceil(PASS_TARGET_MS / oneMs)));
  const samples: number[] = [];
  for (let p = 0; p < 3; p++) samples.push((await s.gpu(runs)) ?? (await s.wall(runs)));
  samples.sort((a, b) => a - b);
  return { ms: samples[1]!, method: timestamps ? 'tf.time kernelMs' : 'wall' };
}

async function validate(inst: Instance, f: Family, version: string, n: number): Promise<string | null> {
  const out = inst.run(version);
  const got = (await out.data()) as Float32Array;
  out.dispose();
  if (INJECT === `${f.id}:${version}`) got[0] = got[0]! + 1;
  if (got.length !== inst.outputSize) return `output has ${got.length} values, expected ${inst.outputSize}`;
  const idx = sampleIndices(inst.outputSize, 97 + n);
  const ref = inst.reference(idx);
  const bad: string[] = [];
  let count = 0;
  idx.forEach((o, k) => {
    const want = ref[k]!;
    const v = got[o]!;
    if (!(Math.abs(v - want) <= inst.tolerance.atol + inst.tolerance.rtol * Math.abs(want))) {
      count++;
      if (bad.length < 3) bad.push(`[${o}] ${v} vs ${want.toPrecision(6)}`);
    }
  });
  if (count === 0) return null;
  return `${count} of ${idx.length}${idx.length < inst.outputSize ? ' sampled' : ''} outputs differ from the CPU reference: ${bad.join(', ')}`;
}

async function sweep(): Promise<void> {
  const f = family();
  const sizes = readSizes(f);
  tfOn = tfjsBox.checked;
  if (tfOn) {
    if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js: the webgpu backend did not initialize; untick TF.js');
    await tf.ready();
    tf.env().set('WEBGPU_CPU_FORWARD', false);
  }
  const versions = f.versions();
  const subjects = [...versions.map((v) => v.id), ...(tfOn ? ['TF.js'] : [])];
  const cells = new Map<string, Cell>(); // `${subject}@${n}`
  const chosen: Array<{ n: number; kernels: E.extend.LaunchRecord[] }> = [];
  const mismatches: string[] = [];
  const total = sizes.length * subjects.length;
  let done = 0;
  const draw = (): void => render(f, sizes, subjects, cells, chosen, mismatches);
  for (const n of sizes) {
    const inst = f.setup(n);
    try {
      chosen.push({ n, kernels: await E.extend.traceLaunches(async () => {
        const t = inst.run('auto');
        await t.data();
        t.dispose();
      }) });
      for (const s of subjects) {
        bar.set(done / total, `${f.id} ${s} at ${n}: ${s === 'TF.js' ? 'timing' : 'validating, then timing'}…`);
        const key = `${s}@${n}`;
        if (s === 'TF.js') {
          const t = await timeTf(inst.tfjs!);
          cells.set(key, { ms: t.ms, figure: f.work(n) / (t.ms * 1e6), method: t.method, check: null });
        } else {
          const problem = await validate(inst, f, s, n);
          if (problem) {
            mismatches.push(`${f.id} ${s} at size ${n}: ${problem}`);
            cells.set(key, { ms: null, figure: null, method: 'not timed', check: problem });
          } else {
            const t = await timeOurs(() => inst.run(s));
            cells.set(key, { ms: t.ms, figure: f.work(n) / (t.ms * 1e6), method: t.method, check: null });
          }
        }
        done++;
        draw();
      }
    } finally {
      inst.dispose();
    }
  }
  bar.set(1, `${f.id}: ${sizes.length} size(s) × ${subjects.length} implementation(s) done${mismatches.length ? `, ${mismatches.length} MISMATCH(ES)` : ''}`);
}

function render(
  f: Family, sizes: number[], subjects: string[], cells: Map<string, Cell>, chosen: Array<{ n: number; kernels: E.extend.LaunchRecord[] }>,
  mismatches: string[],
): void {
  const picked = versionSelect.value;
  const series: LineSeries[] = subjects.map((s) => ({
    name: s === 'TF.js' ? 'TF.js WebGPU' : `${s}${s === picked ? ' (picked)' : ''}`,
    dashed: s === 'TF.js',
    points: sizes.map((n): [number, number] => [n, cells.get(`${s}@${n}`)?.figure ?? NaN]).filter((p) => Number.isFinite(p[1])),
  }));
  byId('chart').innerHTML = lineChart(series, {
    title: `${f.title}: ${f.metric} against size`, xLabel: `size: ${f.size} (log scale)`, yLabel: `${f.metric} (higher is better)`,
    logX: true, xTicks: sizes, width: 720, height: 380,
  });
  const head = ['size', ...subjects.map((s) => `${s} ms`), ...subjects.map((s) => `${s} ${f.metric}`)];
  const rows = sizes.map((n) => {
    const ms = subjects.map((s) => {
      const c = cells.get(`${s}@${n}`);
      if (!c) return '<td></td>';
      if (c.check) return `<td class="bad" title="${esc(c.check)}">MISMATCH</td>`;
      return `<td class="num" title="${esc(c.method)}">${fmt(c.ms)}</td>`;
    });
    const fig = subjects.map((s) => `<td class="num">${fmt(cells.get(`${s}@${n}`)?.figure)}</td>`);
    return `<tr><td class="num">${n}</td>${ms.join('')}${fig.join('')}</tr>`;
  });
  byId('table').innerHTML = `<table id="sweep-table"><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.join('')}</table>`;
  const chosenRows = chosen.map(({ n, kernels }) => kernels.map((k, i) => {
    const sizeCell = i === 0 ? `<td rowspan="${kernels.length}" class="num">${n}</td>` : '';
    const constants = Object.entries(k.constants).map(([c, v]) => `${c}=${v}`).join(' ') || '(defaults)';
    return `<tr>${sizeCell}<td>${esc(k.kernel)}</td><td>${esc(constants)}</td><td>${k.workgroups.join('×')}</td></tr>`;
  }).join('')).join('');
  byId('chosen').innerHTML = '<table id="chosen-table"><tr><th>size</th><th>auto dispatches</th><th>override constants</th><th>workgroups</th></tr>'
    + `${chosenRows}</table>`;
  if (mismatches.length) {
    message.className = 'message error';
    message.textContent = `Validation failed (these were not timed):\n${mismatches.join('\n')}`;
    site.lastError = message.textContent;
  }
}

async function main(): Promise<void> {
  const info = await E.init();
  timestamps = info.timestampQuery;
  familySelect.replaceChildren(...FAMILIES.map((f) => new Option(f.title, f.id)));
  const wanted = params.get('family');
  if (wanted && FAMILIES.some((f) => f.id === wanted)) familySelect.value = wanted;
  selectFamily();
  familySelect.addEventListener('change', selectFamily);
  versionSelect.addEventListener('change', showSource);
  sweepButton.addEventListener('click', () => void job(message, [sweepButton], sweep));
  byId('family-note').textContent += `; adapter ${info.adapter}, ${timestamps ? 'GPU timestamps' : 'no timestamp-query: wall time'}`;
  markReady();
}

main().catch((e: unknown) => {
  showError(message, e);
  site.ready = true;
});

// Turns the CNN multi-task experiment's raw results (bench/multitask/cnn-experiment.ts) into the markdown report
// (convergence check, tables with verdicts, architectures, cost per step) and an SVG of the validation curves.
// Also a command: `node bench/multitask/report.mjs FILE.json [OUT-BASE]` re-renders OUT-BASE.{md,svg} (default:
// FILE without .json / .partial.json) from a result or from the partial file of an interrupted run.
//
// Verdict rule (fixed before the run; per task, dataset, regime and multi-task model, against the single-task
// baseline of that dataset and regime): d = improvement of the mean over the baseline's (accuracy up, MAE down),
// se = sqrt(s²/n + s_b²/n) over seeds; "helped" if d > max(2·se, 0.5), "hurt" if d < −max(2·se, 0.5), else
// "no measurable difference" (0.5 point or 0.5°: the convergence tolerance).

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const TOL = 0.5;

export function stats(values) {
  const n = values.length;
  if (!n) return { mean: NaN, sd: NaN, n: 0 };
  const m = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1)) : 0;
  return { mean: m, sd, n };
}

const fmt = (s, d = 2) => (s.n ? `${s.mean.toFixed(d)} ± ${s.sd.toFixed(d)}${s.n < 3 ? ` (n=${s.n})` : ''}` : '–');

/** The rule above; `higher`: whether a larger metric is better. */
export function verdict(higher, model, base) {
  if (model.n < 2 || base.n < 2) return 'n/a (<2 seeds)';
  const d = higher ? model.mean - base.mean : base.mean - model.mean;
  const bar = Math.max(2 * Math.sqrt(model.sd ** 2 / model.n + base.sd ** 2 / base.n), TOL);
  if (d > bar) return 'helped';
  if (d < -bar) return 'hurt';
  return 'no measurable difference';
}

const short = { helped: 'helped', hurt: 'hurt', 'no measurable difference': 'no diff.' };

function tasksOf(result, dataset) {
  return result.data?.[dataset]?.tasks ?? [];
}

function group(result) {
  const out = new Map();
  for (const r of result.results ?? []) {
    const key = `${r.dataset}|${r.regime}|${r.model}`;
    if (!out.has(key)) out.set(key, []);
    out.get(key).push(r);
  }
  return out;
}

function loadSummary(result, from, to) {
  const pts = (result.load ?? []).filter(([t]) => (!from || t >= from) && (!to || t <= to)).map(([, l]) => l);
  if (!pts.length) return 'not sampled';
  const s = [...pts].sort((a, b) => a - b);
  return `${s[0].toFixed(1)}–${s.at(-1).toFixed(1)} (median ${s[Math.floor(s.length / 2)].toFixed(1)})`;
}

const REGIME_TEXT = {
  full: 'all labels',
  'few-digit': 'digit labels for 10 images per class only (a quarter of every batch drawn from them); thick and angle fully labelled',
  'half-angle': 'the angle label of a fixed random half of the training images masked',
};

/** `pilot`: the markdown of the pilot that chose the protocol (bench/results/multitask-pilot.md), included after the protocol. */
export function renderMarkdown(result, pilot = null) {
  const o = result.options ?? {};
  const g = group(result);
  const md = [];
  md.push('# Multi-task learning on a small CNN: real MNIST digits and Fashion-MNIST', '');
  md.push(`Device: ${result.adapter}. Started ${result.started}, ${result.finished ? `finished ${result.finished}` : '**not finished (partial results)**'}. `
    + `Command: \`${result.command ?? '?'}\`${result.minutes ? `, ${result.minutes.toFixed(1)} min` : ''}.`);
  md.push(`Machine: ${result.cpus ?? '?'} cores shared with other work (other sessions' tests and benchmarks); `
    + `1-minute load average during the run ${loadSummary(result)}. Timings are wall time on that loaded machine.`, '');
  md.push(`Protocol (fixed before the run, bench/multitask/cnn-experiment.ts): ${o.seeds} seeds × ${o.steps} steps of Adam (lr ${o.lr}, cosine decay to 0), `
    + `batch ${o.batch}, ${o.trainPerClass} training images per class${o.valPerClass ? ` (validation: ${Object.entries(o.valPerClass).map(([d, v]) => `${d} ${v}`).join(', ')} per class)` : ''}; `
    + 'validation curves at 8 points; test metric of the final model, mean ± std over seeds.'
    + (pilot ? ' Chosen from a pilot of the single-task baselines only (convergence and cost), see "Pilot" below.' : ''));
  for (const [name, d] of Object.entries(result.data ?? {})) {
    md.push(`- **${name}**: ${d.train} train, ${d.val} validation, ${d.test} test images, 28×28, each rotated by θ ~ U(−45°, 45°); tasks `
      + d.tasks.map((t) => `${t.name} (${t.kind === 'regression' ? 'MAE °' : 'accuracy %'})`).join(', ') + '.');
  }
  md.push('', 'Tasks: digits: **digit** the class; **thick** the mean stroke width (ink area over Zhang–Suen skeleton length) above its class median; '
    + '**angle** θ. Fashion: **class** the 10 classes; **group** tops / bottoms and dresses / shoes / bags (a function of the class); **angle** θ. See bench/multitask/cnn-data.ts.');
  md.push('', 'The CNN trunk (hard sharing and every single-task baseline; bench/multitask/cnn-models.ts): **conv1** Conv2d(1→8, 3×3, stride 2, pad 1) · ReLU → [8, 14, 14]; '
    + '**conv2** Conv2d(8→16, 3×3, stride 2, pad 1) · ReLU → [16, 7, 7]; **fc** Flatten · Linear(784→64) · ReLU → 64 features; a Linear(64 → outputs) head per task. '
    + 'The other architectures use the same layers: MMoE 3 half-width experts (conv 1→4, 4→8, Linear(392→64)) and a gate per task; cross-stitch a half-width column per task '
    + 'with units after conv1 and after fc; MTAN the trunk\'s conv1, conv2 as backbone with 1×1-conv attention per task and stage (heads Linear(784 → outputs)); '
    + 'CGC 2 shared + 1 per task half-width experts; PLE two extraction layers (half-width CNN experts, then Linear(64→64) experts).');
  md.push('', `Verdict rule (fixed before the run): d = improvement of the mean over the single-task baseline of the same dataset and regime (accuracy up, MAE down), `
    + `se = sqrt(s²/n + s_b²/n); **helped** if d > max(2·se, ${TOL}), **hurt** if d < −max(2·se, ${TOL}), else no measurable difference. `
    + 'Best weighting (fixed before the run): on hard sharing in the full regime, the highest mean relative validation gain over the baselines '
    + '(accuracy (m − b)/(100 − b), MAE (b − m)/b); it is the one the other architectures and the label regimes also run.', '');

  md.push('The ms/step column of the tables below is each run\'s own wall time per step; the load changed during the run (see the load above), so '
    + 'compare costs in the cost table at the end, where each method is timed beside equal weighting, interleaved.', '');
  // Convergence.
  md.push('## Convergence check', '', 'Converged: the validation metric averaged over the last quarter of training (curve points 7, 8) differs from its average '
    + `over the third quarter (points 5, 6) by less than ${TOL} point (accuracy) or ${TOL}° (MAE). Every single-task baseline and seed:`, '');
  md.push('| dataset | regime | baseline | seed | Q3 → Q4 change | converged |', '| --- | --- | --- | --- | --- | --- |');
  let bad = 0;
  let all = 0;
  for (const r of result.results ?? []) {
    if (!r.model.startsWith('single:')) continue;
    for (const [t, c] of Object.entries(r.change)) {
      all++;
      if (!r.converged[t]) bad++;
      md.push(`| ${r.dataset} | ${r.regime} | ${t} | ${r.seed} | ${c.toFixed(2)} | ${r.converged[t] ? 'yes' : '**NO**'} |`);
    }
  }
  md.push('', `Baselines: ${all - bad} of ${all} (baseline, seed) pairs converged${bad ? `; **${bad} did not** (listed above)` : ''}.`);
  const mtRunsHead = (result.results ?? []).filter((r) => !r.model.startsWith('single:')).flatMap((r) => Object.values(r.converged));
  md.push(`Multi-task runs (same criterion, per task): ${mtRunsHead.filter((v) => v).length} of ${mtRunsHead.length} (run, task) pairs converged.`);
  if (pilot) md.push('', pilot.trim().replace(/^# /m, '## '));

  // Tables per dataset and regime.
  const verdictCounts = [];
  for (const dataset of Object.keys(result.data ?? {})) {
    const tasks = tasksOf(result, dataset);
    for (const regime of ['full', 'few-digit', 'half-angle']) {
      const models = [...g.keys()].filter((k) => k.startsWith(`${dataset}|${regime}|`)).map((k) => k.split('|')[2]);
      if (!models.length) continue;
      md.push(`## ${dataset}, regime ${regime} (${REGIME_TEXT[regime]})`, '');
      const hardRun = models.filter((m) => m.startsWith('hard:')).length;
      if (regime === 'full' && result.bestMethod?.[dataset] && hardRun) {
        md.push(`Best hard-sharing weighting on validation: **${result.bestMethod[dataset]}** (over the ${hardRun} weightings that ran).`, '');
      }
      const head = ['model', ...tasks.map((t) => `${t.name} ${t.unit === '%' ? 'acc %' : 'MAE °'}`), ...tasks.map((t) => `${t.name} verdict`), 'ms/step', 'converged (run·task)'];
      md.push(`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`);
      const base = Object.fromEntries(tasks.map((t) => [t.name, stats((g.get(`${dataset}|${regime}|single:${t.name}`) ?? []).map((r) => r.test[t.name]))]));
      const counts = Object.fromEntries(tasks.map((t) => [t.name, { helped: 0, 'no measurable difference': 0, hurt: 0 }]));
      for (const model of models) {
        const runs = g.get(`${dataset}|${regime}|${model}`);
        const cells = tasks.map((t) => fmt(stats(runs.filter((r) => t.name in r.test).map((r) => r.test[t.name]))));
        const verdicts = tasks.map((t) => {
          if (model.startsWith('single:') || !base[t.name].n) return '';
          const v = verdict(t.unit === '%', stats(runs.map((r) => r.test[t.name])), base[t.name]);
          if (counts[t.name][v] !== undefined) counts[t.name][v]++;
          return short[v] ?? v;
        });
        const conv = runs.flatMap((r) => Object.values(r.converged));
        const name = model.startsWith('single:') ? `single-task ${model.slice(7)}` : model;
        md.push(`| ${name} | ${cells.join(' | ')} | ${verdicts.join(' | ')} | ${stats(runs.map((r) => r.msPerStep)).mean.toFixed(0)} | ${conv.filter((v) => v).length}/${conv.length} |`);
      }
      verdictCounts.push({ dataset, regime, counts, tasks: tasks.filter((t) => base[t.name].n) });
      md.push('');
    }
  }

  md.push('## Verdict counts', '', 'Per dataset, regime and task with a baseline: how many multi-task models helped / made no measurable difference / hurt.', '');
  md.push('| dataset | regime | task | helped | no diff. | hurt |', '| --- | --- | --- | --- | --- | --- |');
  for (const v of verdictCounts) {
    for (const t of v.tasks) {
      const c = v.counts[t.name];
      md.push(`| ${v.dataset} | ${v.regime} | ${t.name} | ${c.helped} | ${c['no measurable difference']} | ${c.hurt} |`);
    }
  }
  md.push('');

  // Architectures.
  md.push('## Architectures (full regime)', '', 'Each architecture with equal weighting and with the dataset\'s best weighting; test metric, mean ± std over seeds.', '');
  for (const dataset of Object.keys(result.data ?? {})) {
    const tasks = tasksOf(result, dataset);
    const best = result.bestMethod?.[dataset];
    const rows = ['hard', 'mmoe', 'cross-stitch', 'mtan', 'cgc', 'ple'].flatMap((a) => [...new Set(['equal', best].filter(Boolean))].map((w) => `${a}:${w}`))
      .filter((m) => g.has(`${dataset}|full|${m}`));
    if (!rows.length) continue;
    md.push(`**${dataset}** (best weighting: ${best ?? '?'})`, '');
    md.push(`| model | ${tasks.map((t) => t.name).join(' | ')} | ms/step |`, `| --- | ${tasks.map(() => '---').join(' | ')} | --- |`);
    for (const m of rows) {
      const runs = g.get(`${dataset}|full|${m}`);
      md.push(`| ${m} | ${tasks.map((t) => fmt(stats(runs.map((r) => r.test[t.name])))).join(' | ')} | ${stats(runs.map((r) => r.msPerStep)).mean.toFixed(0)} |`);
    }
    md.push('');
  }

  // Cost.
  if (result.cost?.length) {
    const c0 = result.cost[0];
    md.push('## Cost per training step', '', `Digits, batch ${o.batch}, full labels. Each method beside hard sharing with equal weighting, interleaved in the same run: `
      + `${o.costRounds} rounds of ${o.costSteps} timed steps of equal then of the method (after one untimed step each); the median over rounds. `
      + `Dispatches: kernels launched by one training step (forward, backward, optimizer, the weighting's own). Load (1-min average) during the phase: `
      + `${loadSummary(result, c0.from, result.cost.at(-1).to)}.`
      + (result.started && result.cost.at(-1).to < result.started
        ? ` Measured ${c0.from.slice(11, 16)}–${result.cost.at(-1).to.slice(11, 16)} UTC by an earlier launch (same trunk and batch; kept by --resume).` : ''), '');
    md.push('| method | ms/step | equal ms/step | × equal | dispatches/step | equal dispatches | per-task gradients |', '| --- | --- | --- | --- | --- | --- | --- |');
    for (const c of result.cost) {
      const grads = c.gradients === 'representation' ? 'at the representation (rep_grad shortcut)' : c.gradients === 'none' ? 'none (loss weighting)' : c.gradients;
      md.push(`| ${c.model} | ${c.msMethod.toFixed(1)} | ${c.msEqual.toFixed(1)} | ${c.ratio.toFixed(2)} | ${c.dispatches} | ${c.dispatchesEqual} | ${grads} |`);
    }
    md.push('');
  }
  if (result.costQuiet?.cost?.length) {
    const q = result.costQuiet;
    md.push('### Remeasured on a quieter machine', '', `The same cost phase alone (\`${q.command}\`: no training runs), `
      + `${q.options.costRounds} rounds of ${q.options.costSteps} steps, 1-minute load ${loadSummary({ load: q.load })}`
      + `${q.note ? `; ${q.note}` : '; these are the figures to quote'}.`, '');
    md.push('| method | ms/step | equal ms/step | × equal | dispatches/step | equal dispatches |', '| --- | --- | --- | --- | --- | --- |');
    for (const c of q.cost) md.push(`| ${c.model} | ${c.msMethod.toFixed(1)} | ${c.msEqual.toFixed(1)} | ${c.ratio.toFixed(2)} | ${c.dispatches} | ${c.dispatchesEqual} |`);
    md.push('');
  }
  if (result.notRun?.length) {
    // One line per model: its seeds collapsed.
    const byModel = new Map();
    for (const line of result.notRun) {
      const m = /^(.*) seed (\d+)$/.exec(line);
      const key = m ? m[1] : line;
      byModel.set(key, [...new Set([...(byModel.get(key) ?? []), m ? m[2] : ''])]);
    }
    md.push('## Not run (time cap)', '', `${result.notRun.length} runs (${byModel.size} models) were not started before the deadline:`, '',
      ...[...byModel].map(([k, seeds]) => `- ${k}${seeds[0] ? ` (seed${seeds.length > 1 ? 's' : ''} ${seeds.join(', ')})` : ''}`), '');
  }
  if (result.failed?.length) md.push('## Failed runs', '', ...result.failed.map((f) => `- ${f.dataset} ${f.regime} ${f.model} seed ${f.seed}: ${f.error}`), '');
  return `${md.join('\n')}\n`;
}

/** Validation curves: one panel per dataset and task; the baseline (mean over seeds) thick black, hard:equal blue, the best weighting red, the rest grey. */
export function renderSvg(result) {
  const g = group(result);
  const panels = [];
  for (const dataset of Object.keys(result.data ?? {})) for (const t of tasksOf(result, dataset)) panels.push({ dataset, t });
  const W = 300;
  const H = 200;
  const cols = 3;
  const rows = Math.max(1, Math.ceil(panels.length / cols));
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${cols * W}" height="${rows * H + 30}" font-family="sans-serif" font-size="10">`];
  out.push('<rect width="100%" height="100%" fill="white"/>');
  out.push(`<text x="8" y="${rows * H + 20}">validation metric vs step (full regime, mean over seeds): black single-task baseline, blue hard:equal, red hard:best weighting, grey other models</text>`);
  panels.forEach(({ dataset, t }, i) => {
    const x0 = (i % cols) * W + 40;
    const y0 = Math.floor(i / cols) * H + 20;
    const w = W - 55;
    const h = H - 50;
    const series = [];
    for (const [key, runs] of g) {
      const [ds, regime, model] = key.split('|');
      if (ds !== dataset || regime !== 'full' || !runs[0].curve?.[t.name]) continue;
      const n = runs[0].curve[t.name].length;
      const mean = Array.from({ length: n }, (_, k) => stats(runs.map((r) => r.curve[t.name][k])).mean);
      const best = `hard:${result.bestMethod?.[dataset]}`;
      const style = model === `single:${t.name}` ? ['black', 2.5, 3] : model === 'hard:equal' ? ['#1f5fbf', 1.8, 2] : model === best ? ['#c0392b', 1.8, 2] : ['#bbb', 0.8, 1];
      series.push({ steps: runs[0].curveSteps, mean, style });
    }
    if (!series.length) return;
    const all = series.flatMap((s) => s.mean);
    const lo = Math.min(...all);
    const hi = Math.max(...all);
    const maxStep = Math.max(...series.flatMap((s) => s.steps));
    const X = (s) => x0 + (s / maxStep) * w;
    const Y = (v) => y0 + h - ((v - lo) / (hi - lo || 1)) * h;
    out.push(`<text x="${x0}" y="${y0 - 6}" font-weight="bold">${dataset}: ${t.name} (${t.unit === '%' ? 'accuracy %' : 'MAE °'})</text>`);
    out.push(`<rect x="${x0}" y="${y0}" width="${w}" height="${h}" fill="none" stroke="#888"/>`);
    out.push(`<text x="${x0 - 4}" y="${y0 + 8}" text-anchor="end">${hi.toFixed(1)}</text><text x="${x0 - 4}" y="${y0 + h}" text-anchor="end">${lo.toFixed(1)}</text>`);
    out.push(`<text x="${x0 + w}" y="${y0 + h + 12}" text-anchor="end">step ${maxStep}</text>`);
    for (const s of series.sort((a, b) => a.style[2] - b.style[2])) {
      const d = s.steps.map((st, k) => `${k ? 'L' : 'M'}${X(st).toFixed(1)},${Y(s.mean[k]).toFixed(1)}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${s.style[0]}" stroke-width="${s.style[1]}"/>`);
    }
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: node bench/multitask/report.mjs FILE.json [OUT-BASE]');
  const result = JSON.parse(readFileSync(file, 'utf8'));
  // A partial file (an interrupted run) has the options (older ones did not: the protocol of the 150-step run) but no data header.
  result.options ??= { seeds: 3, steps: 150, batch: 32, lr: 3e-3, trainPerClass: 50, valPerClass: { digits: 50, fashion: 50 }, costRounds: 3, costSteps: 6, fromDefaults: true };
  const train = 10 * result.options.trainPerClass;
  const val = (d) => 10 * (result.options.valPerClass?.[d] ?? 50);
  const task = (name, kind, outputs, unit) => ({ name, kind, outputs, unit });
  const defaults = {
    digits: { train, val: val('digits'), test: 1000, tasks: [task('digit', 'class', 10, '%'), task('thick', 'binary', 1, '%'), task('angle', 'regression', 1, '°')] },
    fashion: { train, val: val('fashion'), test: 1000, tasks: [task('class', 'class', 10, '%'), task('group', 'class', 4, '%'), task('angle', 'regression', 1, '°')] },
  };
  result.data ??= Object.fromEntries(['digits', 'fashion'].filter((d) => result.results.some((r) => r.dataset === d)).map((d) => [d, defaults[d]]));
  const base = process.argv[3] ?? file.replace(/(\.partial)?\.json$/, '');
  const pilot = path.join(path.dirname(file), 'multitask-pilot.md');
  writeFileSync(`${base}.md`, renderMarkdown(result, base.endsWith('multitask') && existsSync(pilot) ? readFileSync(pilot, 'utf8') : null));
  writeFileSync(`${base}.svg`, renderSvg(result));
  console.log(`wrote ${base}.md and ${base}.svg`);
}

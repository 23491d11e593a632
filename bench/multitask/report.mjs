// Turns the multi-task experiment's raw results into the markdown table with verdicts and an SVG chart.
//
// Verdict rule (per task, regime and multi-task model, against that regime's single-task baseline):
//   d = improvement of the model's mean over the baseline's (accuracy up, MAE down), se = sqrt(s_a²/n_a + s_b²/n_b)
//   over seeds; "helped" if d > 2·se, "hurt" if d < −2·se, else "no measurable difference". With 3 seeds
//   this is a coarse test: it flags only differences large against the seed-to-seed spread.

const TASKS = ['digit', 'thick', 'angle'];
const UNIT = { digit: 'acc %', thick: 'acc %', angle: 'MAE °' };
const HIGHER = { digit: true, thick: true, angle: false };

function stats(values) {
  const n = values.length;
  const m = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1)) : 0;
  return { mean: m, sd, n };
}

function fmt(s, digits = 2) {
  return `${s.mean.toFixed(digits)} ± ${s.sd.toFixed(digits)}`;
}

export function verdict(task, model, base) {
  if (model.n < 2 || base.n < 2) return 'n/a (1 seed)';
  const d = HIGHER[task] ? model.mean - base.mean : base.mean - model.mean;
  const se = Math.sqrt(model.sd ** 2 / model.n + base.sd ** 2 / base.n);
  if (d > 2 * se && d > 0) return 'helped';
  if (d < -2 * se && d < 0) return 'hurt';
  return 'no measurable difference';
}

/** { regime: { model: { task: stats, ms: stats } } } */
export function summarize(result) {
  const out = {};
  for (const r of result.results) {
    out[r.regime] ??= {};
    const m = (out[r.regime][r.model] ??= { runs: [] });
    m.runs.push(r);
  }
  for (const regime of Object.keys(out)) {
    for (const m of Object.values(out[regime])) {
      for (const t of TASKS) {
        const v = m.runs.map((r) => r.test[t]).filter((x) => x !== undefined);
        if (v.length) m[t] = stats(v);
      }
      m.ms = stats(m.runs.map((r) => r.msPerStep));
      m.dispatches = m.runs[0].dispatches;
      m.gradients = m.runs[0].gradients;
    }
  }
  return out;
}

const REGIME_TEXT = {
  full: 'all labels',
  'few-digit': 'digit labels for 20 images per class only (thick and angle fully labelled)',
  'half-angle': "50% of the angle labels masked",
};

export function renderMarkdown(result) {
  const s = summarize(result);
  const lines = [];
  lines.push('# Multi-task learning on real MNIST digits');
  lines.push('');
  lines.push(`Device: ${result.adapter}. Date: ${result.date}. Command: \`${result.command}\`${result.quick ? ' (QUICK run: fewer seeds and steps; verdicts are indicative only)' : ''}.`);
  lines.push(`${result.seeds} seeds × ${result.steps} steps of Adam (lr ${result.lr}, batch ${result.batch}) per model; ${result.data.train} training, ${result.data.val} validation, ${result.data.test} test digits; total ${result.minutes.toFixed(1)} min.`);
  const resumedRuns = result.results.filter((r) => r.resumed).length;
  if (resumedRuns) {
    lines.push(`${resumedRuns} of the ${result.results.length} runs come from an earlier invocation of the same command (same code, data and seeds) (\`npm run experiment:multitask\`, ${result.firstInvocationMinutes ?? '?'} min) that the harness interrupted (a DevTools protocol timeout of puppeteer's waitForFunction after 15 minutes, since replaced by polling); \`--resume\` kept them and ran the rest. Each run depends only on its regime, model and seed. The total above is the second invocation's.`);
  }
  lines.push('');
  lines.push('Tasks (see bench/multitask/experiment.ts): **digit** class (accuracy %), **thick** = ink mass above its class median (accuracy %), **angle** = the rotation θ ~ U(−45°, 45°) applied to the image (MAE in degrees). θ is drawn independently of the image; thick is balanced within each class and rotation invariant, so no label is a function of another.');
  lines.push('Models (`architecture:weighting`): single-task baselines (same trunk 196→128→64, one head), hard sharing (one trunk, three heads) with each weighting, and the other architectures (mmoe, cross-stitch, mtan, cgc, ple; sizes in bench/multitask/experiment.ts) with equal weighting and with the weighting that scored best on validation (in the full regime; MMoE in few-digit). Test-set mean ± std over seeds; ms/step is the wall time of a training step on this device (forward, backward, optimizer, and any readback the weighting needs), × equal its ratio to equal weighting on the same architecture, dispatches/step the kernels one training step launches (equal weighting\'s on the same architecture in parentheses); "per-task gradients" says whether the method uses the representation shortcut (rep_grad).');
  lines.push('');
  lines.push('Verdict rule: improvement d of the mean over the single-task baseline vs se = sqrt(s²/n + s_base²/n); helped if d > 2·se, hurt if d < −2·se, else no measurable difference.');
  const verdicts = {};
  for (const regime of Object.keys(s)) {
    const rows = s[regime];
    lines.push('');
    lines.push(`## Regime: ${regime} (${REGIME_TEXT[regime] ?? regime})`);
    lines.push('');
    lines.push(`| model (architecture:weighting) | digit ${UNIT.digit} | thick ${UNIT.thick} | angle ${UNIT.angle} | ms/step | × equal | dispatches/step (equal) | per-task gradients | digit | thick | angle |`);
    lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    const base = Object.fromEntries(TASKS.map((t) => [t, rows[`single:${t}`]?.[t]]));
    for (const t of TASKS) {
      const r = rows[`single:${t}`];
      if (!r) continue;
      const cells = TASKS.map((u) => (u === t ? fmt(r[u]) : ''));
      lines.push(`| single-task ${t} | ${cells.join(' | ')} | ${r.ms.mean.toFixed(1)} | | ${r.dispatches ?? '?'} | | | | |`);
    }
    verdicts[regime] = {};
    for (const [name, r] of Object.entries(rows)) {
      if (name.startsWith('single:')) continue;
      const v = TASKS.map((t) => (base[t] && r[t] ? verdict(t, r[t], base[t]) : '–'));
      verdicts[regime][name] = Object.fromEntries(TASKS.map((t, i) => [t, v[i]]));
      const eq = rows[`${name.split(':')[0]}:equal`];
      const ratio = eq ? `${(r.ms.mean / eq.ms.mean).toFixed(2)}` : '–';
      const disp = `${r.dispatches ?? '?'} (${eq?.dispatches ?? '–'})`;
      const grads = r.gradients === 'representation' ? 'at the representation (rep_grad shortcut)' : 'none (loss weighting)';
      lines.push(`| ${name} | ${TASKS.map((t) => fmt(r[t])).join(' | ')} | ${r.ms.mean.toFixed(1)} | ${ratio} | ${disp} | ${grads} | ${v.join(' | ')} |`);
    }
  }
  lines.push('');
  lines.push('## Verdicts: did multi-task learning help each task?');
  lines.push('');
  lines.push('For each regime: the verdict for hard sharing with the weighting picked on validation in that regime, then how many of the multi-task models run in that regime helped / made no measurable difference / hurt. Regimes: full runs all three baselines, every weighting on hard sharing and every other architecture with equal and with the best weighting; few-digit runs the digit baseline, equal, uncertainty, the full regime\'s best weighting and MMoE; half-angle runs the angle baseline, equal, uncertainty and the full regime\'s best. A regime judges only the tasks whose baseline it runs (– elsewhere).');
  lines.push('');
  lines.push(`| task | ${Object.keys(s).join(' | ')} |`);
  lines.push(`| --- | ${Object.keys(s).map(() => '---').join(' | ')} |`);
  for (const t of TASKS) {
    const cells = Object.keys(s).map((regime) => {
      if (!s[regime][`single:${t}`]) return '– (no baseline in this regime)';
      const best = result.bestMethod?.[regime];
      const vb = verdicts[regime][`hard:${best}`]?.[t] ?? '–';
      const all = Object.values(verdicts[regime]).map((v) => v[t]);
      const c = (k) => all.filter((x) => x === k).length;
      return `${vb} (hard, ${best}); ${c('helped')} helped / ${c('no measurable difference')} no diff. / ${c('hurt')} hurt`;
    });
    lines.push(`| ${t} | ${cells.join(' | ')} |`);
  }
  lines.push('');
  return `${lines.join('\n')}\n`;
}

export function renderSvg(result) {
  const s = summarize(result);
  const regimes = Object.keys(s);
  const models = [...new Set(result.results.map((r) => r.model).filter((m) => !m.startsWith('single:')))];
  const order = (regime) => ['single', ...models.filter((m) => s[regime][m])];
  const pw = 300;
  const ph = 170;
  const left = 60;
  const top = 40;
  const W = left + TASKS.length * (pw + 30);
  const H = top + regimes.length * (ph + 60) + 80;
  const colors = ['#607d8b', '#1565c0', '#2e7d32', '#ef6c00', '#6a1b9a', '#c62828', '#00838f', '#8d6e63', '#ad1457'];
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${left}" y="20" font-size="14">Multi-task learning on MNIST: test metric per task (mean ± std over ${result.seeds} seeds), ${result.adapter}</text>`);
  regimes.forEach((regime, ri) => {
    TASKS.forEach((task, ti) => {
      const x0 = left + ti * (pw + 30);
      const y0 = top + ri * (ph + 60) + 20;
      const names = order(regime);
      const vals = names.map((m) => (m === 'single' ? s[regime][`single:${task}`]?.[task] : s[regime][m]?.[task])).map((v) => v ?? { mean: 0, sd: 0 });
      const lo = Math.min(...vals.map((v) => v.mean - v.sd));
      const hi = Math.max(...vals.map((v) => v.mean + v.sd));
      const pad = (hi - lo) * 0.15 + 1e-6;
      const a = lo - pad;
      const b = hi + pad;
      const y = (v) => y0 + ph - ((v - a) / (b - a)) * ph;
      out.push(`<text x="${x0}" y="${y0 - 6}" font-size="12">${regime}: ${task} (${UNIT[task]}, ${HIGHER[task] ? 'higher' : 'lower'} is better)</text>`);
      out.push(`<rect x="${x0}" y="${y0}" width="${pw}" height="${ph}" fill="none" stroke="#bbb"/>`);
      for (const tick of [a + (b - a) * 0.1, (a + b) / 2, b - (b - a) * 0.1]) {
        out.push(`<text x="${x0 - 4}" y="${y(tick) + 3}" text-anchor="end" fill="#555">${tick.toFixed(1)}</text>`);
        out.push(`<line x1="${x0}" x2="${x0 + pw}" y1="${y(tick)}" y2="${y(tick)}" stroke="#eee"/>`);
      }
      const bw = pw / names.length;
      vals.forEach((v, i) => {
        const cx = x0 + bw * (i + 0.5);
        const c = colors[(names[i] === 'single' ? 0 : models.indexOf(names[i]) + 1) % colors.length];
        out.push(`<rect x="${cx - bw * 0.35}" y="${y(v.mean)}" width="${bw * 0.7}" height="${y0 + ph - y(v.mean)}" fill="${c}" opacity="0.8"/>`);
        out.push(`<line x1="${cx}" x2="${cx}" y1="${y(v.mean - v.sd)}" y2="${y(v.mean + v.sd)}" stroke="black"/>`);
      });
    });
  });
  const legendY = top + regimes.length * (ph + 60) + 10;
  const allNames = ['single-task', ...models.map((m) => m.replace('hard:', '').replace('mmoe:', 'MMoE+'))];
  allNames.forEach((n, i) => {
    const x = left + (i % 5) * 170;
    const yy = legendY + Math.floor(i / 5) * 18;
    out.push(`<rect x="${x}" y="${yy}" width="12" height="12" fill="${colors[i % colors.length]}" opacity="0.8"/><text x="${x + 16}" y="${yy + 10}">${n}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

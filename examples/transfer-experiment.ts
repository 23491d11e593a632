// `npm run experiment:transfer [-- --quick]`: the four transfer-learning scenarios reproduced on real digits.
//
// Source: the shipped trunk (pretrained/digits-0to4.safetensors, MNIST digits 0–4). Targets, each relabelled 0–4:
//   similar    MNIST digits 5–9: the same writers and scanning, new classes;
//   different  UCI digits 5–9 (data/uci-digits.bin, see examples/digits-data.ts): other writers, 8×8 scans
//              brought to 28×28, so other strokes, blur and thickness.
// Sizes: small = 20 labelled digits per class; large = every training digit available (MNIST 5–9: all but the
// 60 held out per class; UCI 5–9: all but 30 held out per class). Held-out sets: MNIST 60 per class, UCI 30.
// Budget: every run trains 4 rounds; a round is 200 samples for small targets (8 epochs of 100 in all), 400
// for large + similar (1,600 of the 4,600 digits, a third of an epoch), 350 for large + different (about 2
// epochs of its 740). The budget is what fits a full run on the CPU adapter; it is the same for every strategy.
// Six strategies (examples/transfer-runs.ts), three seeds (the seed picks the small subsets, the heads'
// initialisation and the batch order), held-out accuracy as mean ± std and wall time per run.
// The measured similarity of each target and scenario (transfer.measureSimilarity: linear probes at the three
// feature blocks, pretrained against a randomly initialised trunk) feeds transfer.recommendStrategy.
//
// Verdict rules, fixed before the first full run: a strategy "matches the best" when its mean accuracy is within
// MARGIN = 1 point of the best mean in its scenario (or is the best).
//   small + similar → feature extraction: supported if feature-extraction matches the best, else contradicted.
//   small + different → truncate and fine-tune the lower layers: supported if truncate-fine-tune matches the best.
//   large + similar → from scratch is viable but pretrained init is better: supported if from-scratch is within
//       5 points of the best AND the best pretrained strategy's mean is above from-scratch's; each half reported.
//   large + different → fine-tune many layers or all: supported if the best of fine-tune-all and
//       gradual-unfreezing matches the best and beats feature-extraction.
// --quick: one seed and a quarter of the samples per round (same code path); its verdicts are not the results.
// Issue 24 (examples/transfer-extra.ts, rules fixed there before the first run): a third target, Fashion-MNIST
// 5–9 (sandal, shirt, sneaker, bag, ankle-boot; data/fashion-mnist's committed subsets: small = 20 per class,
// large = all 200 per class, 100 per class held out), so 6 scenarios; per scenario the transferability scores
// with Kendall τ-b against the probe ground truth; per scenario and seed an auto run (fit's strategy 'auto').
// A scenario whose best and worst strategy means are within 2 points is reported, not counted in the hit rates.
// Resumable: every finished run is saved to transfer-experiment.partial.json beside the report; `--resume`
// reloads it and skips the runs already done.
// --seeds=N and --scale=F (samples per round × F) change the run's size; only the default full run is committed.

import * as E from '../src/index.ts';
import { loadMnistByClass, loadUciDigits, mnistTask, uciTask, type TaskSplit } from './digits-data.ts';
import { argValue, canSave, fmtSeconds, log, pageArgs, runMain, saveFile } from './page-io.ts';
import { barChart } from './svg-chart.ts';
import { STRATEGIES, runStrategy, type RunResult, type StrategyName } from './transfer-runs.ts';
import { fashionTask, loadFashion, runAuto, scoreScenario, type AutoRun, type ScenarioScores } from './transfer-extra.ts';

const MARGIN = 0.01;
const LR = 2e-3;
const TARGET_CLASSES = [5, 6, 7, 8, 9];

interface Scenario {
  id: string;
  /** The source trunk: the shipped digits one or the Fashion-MNIST one. */
  source: 'digits' | 'fashion';
  target: 'similar' | 'different' | 'fashion';
  size: 'small' | 'large';
  split: TaskSplit;
  batch: number;
  roundSamples: number;
}

interface Row {
  scenario: string;
  strategy: StrategyName;
  accuracies: number[];
  seconds: number[];
  mean: number;
  std: number;
  meanSeconds: number;
}

function meanStd(v: number[]): [number, number] {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const s = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : 0;
  return [m, s];
}

const pct = (x: number): string => (100 * x).toFixed(1);

async function main(): Promise<unknown> {
  const quick = pageArgs().includes('--quick') || argValue('scale') !== undefined;
  const seeds = Number(argValue('seeds') ?? (quick ? 1 : 3));
  const rounds = 4;
  const info = await E.init();
  log(`adapter: ${info.adapter}; ${quick ? 'QUICK run (1 seed, a quarter of the samples per round): not the committed results' : `full run, ${seeds} seeds`}`);
  const weights = await (await fetch(`/${E.transfer.PRETRAINED_DIGITS.weights}`)).arrayBuffer();
  const card = (await (await fetch(`/${E.transfer.PRETRAINED_DIGITS.card}`)).json()) as { heldOutAccuracy: number };
  log(`source trunk: ${E.transfer.PRETRAINED_DIGITS.weights} (MNIST 0–4, held-out accuracy ${pct(card.heldOutAccuracy)}%)`);
  // The Fashion-source trunk (`npm run pretrain -- --source fashion`), when it has been built.
  const fashionRes = await fetch(`/${E.transfer.PRETRAINED_FASHION.weights}`);
  const fashionWeights = fashionRes.ok && !(fashionRes.headers.get('content-type') ?? '').includes('html') ? await fashionRes.arrayBuffer() : null;
  log(fashionWeights ? `second source trunk: ${E.transfer.PRETRAINED_FASHION.weights} (Fashion-MNIST 0–4)`
    : 'no Fashion-source trunk (npm run pretrain -- --source fashion): its four scenarios are skipped');
  const weightsOf = (sc: Scenario): ArrayBuffer => (sc.source === 'fashion' ? fashionWeights! : weights);
  const trunks = [{ name: 'digits', weights }, ...(fashionWeights ? [{ name: 'fashion', weights: fashionWeights }] : [])];
  const byClass = await loadMnistByClass();
  const uci = await loadUciDigits();
  const fashion = { train: await loadFashion('train'), test: await loadFashion('test') };
  const resume = pageArgs().includes('--resume');
  const dir = quick ? 'bench/results/quick' : 'bench/results';

  const scenariosFor = (seed: number): Scenario[] => {
    const scale = Number(argValue('scale') ?? (quick ? 0.25 : 1));
    const make = (target: 'similar' | 'different' | 'fashion', size: 'small' | 'large', source: 'digits' | 'fashion' = 'digits'): Scenario => {
      const opts = { testPerClass: target === 'similar' ? 60 : 30, seed: 1000 + seed, ...(size === 'small' ? { trainPerClass: 20 } : {}) };
      const split = target === 'similar' ? mnistTask(byClass, TARGET_CLASSES, opts)
        : target === 'different' ? uciTask(uci, TARGET_CLASSES, opts) : fashionTask(fashion.train, fashion.test, TARGET_CLASSES, opts);
      // Rounds: 4 per run (see the budget at the top of this file).
      const perRound = size === 'small' ? 200 : target === 'similar' ? 400 : 350;
      return {
        id: `${source === 'fashion' ? '[Fashion trunk] ' : ''}${size} + ${target === 'similar' && source === 'fashion' ? 'mnist' : target}`,
        source, target, size, split, batch: size === 'small' ? 20 : target === 'similar' ? 64 : 32,
        roundSamples: Math.max(1, Math.round(perRound * scale)),
      };
    };
    return [
      make('similar', 'small'), make('different', 'small'), make('similar', 'large'), make('different', 'large'),
      make('fashion', 'small'), make('fashion', 'large'),
      ...(fashionWeights
        ? [make('fashion', 'small', 'fashion'), make('fashion', 'large', 'fashion'), make('similar', 'small', 'fashion'), make('similar', 'large', 'fashion')]
        : []),
    ];
  };

  // Similarity, measured on each scenario's training digits of seed 0 (at most 300 of them).
  const similarity: Record<string, E.transfer.SimilarityReport> = {};
  const advice: Record<string, E.transfer.StrategyAdvice> = {};
  for (const sc of scenariosFor(0)) {
    const n = Math.min(300, sc.split.train.count);
    const trunk = E.transfer.digitsCnn(5);
    await E.nn.loadSafetensors(trunk, weightsOf(sc));
    E.manualSeed(1234);
    const random = E.transfer.digitsCnn(5);
    const t0 = performance.now();
    const report = await E.transfer.measureSimilarity(trunk, {
      images: sc.split.train.images.subarray(0, n * 784), labels: sc.split.train.labels.subarray(0, n), count: n, shape: [1, 28, 28],
    }, { at: ['features.0', 'features.1', 'features.2'], baseline: random });
    trunk.dispose();
    random.dispose();
    similarity[sc.id] = report;
    advice[sc.id] = E.transfer.recommendStrategy({ targetSize: sc.split.train.count, numClasses: 5, similarity: report });
    const probes = report.probes.map((p) => `${p.at} ${pct(p.pretrained)}% vs random ${pct(p.baseline)}%`).join(', ');
    log(`similarity of ${sc.id} (${n} digits): ${report.similarity.toFixed(2)}; probes ${probes}; best cut ${report.bestCut} `
      + `(${fmtSeconds((performance.now() - t0) / 1000)})`);
    log(`  recommendStrategy → ${advice[sc.id]!.strategy}: ${advice[sc.id]!.reason}`);
  }

  // Transferability scores (LogME, regularized H-score at every cut of the shipped and a random trunk; LEEP,
  // NCE from the shipped head) on the same digits, and Kendall τ-b against the probes.
  const scores: Record<string, ScenarioScores> = {};
  for (const sc of scenariosFor(0)) {
    const s = await scoreScenario(trunks, sc.split.train, Math.min(300, sc.split.train.count));
    scores[sc.id] = s;
    const heads = `LEEP ${s.leep.map((v) => v.toFixed(3)).join(' / ')}, NCE ${s.nce.map((v) => v.toFixed(3)).join(' / ')}`;
    log(`scores of ${sc.id}: LogME ${s.items.map((i) => `${i.item} ${i.logME.toFixed(3)}`).join(', ')}; ${heads}; `
      + `τ-b vs probes: LogME ${s.tau.logME.toFixed(2)}, reg. H ${s.tau.regularizedHScore.toFixed(2)} (${fmtSeconds(s.seconds)})`);
  }

  const results: Array<RunResult & { scenario: string; seed: number }> = [];
  const autoRuns: Array<AutoRun & { scenario: string; seed: number }> = [];
  if (resume) {
    const res = await fetch(`/${dir}/transfer-experiment.partial.json`);
    if (res.ok) {
      const saved = (await res.json()) as { results: typeof results; autoRuns: typeof autoRuns };
      results.push(...saved.results);
      autoRuns.push(...saved.autoRuns);
      log(`resuming: ${results.length} strategy runs and ${autoRuns.length} auto runs already done`);
    }
  }
  const savePartial = async (): Promise<void> => {
    if (canSave()) await saveFile(`${dir}/transfer-experiment.partial.json`, JSON.stringify({ results, autoRuns }));
  };
  const nScenarios = scenariosFor(0).length;
  const total = seeds * nScenarios * (STRATEGIES.length + 1);
  const tStart = performance.now();
  let done = 0;
  // The report, written after every seed so that an interrupted run leaves its completed seeds behind.
  const writeReport = async (seedsDone: number): Promise<{ verdicts: unknown; advisorHits: number }> => {
    const seed0 = scenariosFor(0);
    const scenarioIds = seed0.map((s) => s.id);
    const rows: Row[] = [];
    for (const id of scenarioIds) {
      for (const strategy of STRATEGIES) {
        const rs = results.filter((r) => r.scenario === id && r.strategy === strategy);
        const [mean, std] = meanStd(rs.map((r) => r.accuracy));
        rows.push({
          scenario: id, strategy, accuracies: rs.map((r) => r.accuracy), seconds: rs.map((r) => r.seconds), mean, std,
          meanSeconds: meanStd(rs.map((r) => r.seconds))[0],
        });
      }
    }
    const row = (id: string, s: StrategyName): Row => rows.find((r) => r.scenario === id && r.strategy === s)!;
    const best = (id: string): Row => rows.filter((r) => r.scenario === id).reduce((a, b) => (b.mean > a.mean ? b : a));
    const matches = (id: string, s: StrategyName): boolean => row(id, s).mean >= best(id).mean - MARGIN;

    const verdicts: Array<{ scenario: string; claim: string; verdict: 'supported' | 'contradicted' | 'partly supported'; evidence: string }> = [];
    {
      const id = 'small + similar';
      const ok = matches(id, 'feature-extraction');
      verdicts.push({
        scenario: id, claim: 'feature extraction', verdict: ok ? 'supported' : 'contradicted',
        evidence: `feature-extraction ${pct(row(id, 'feature-extraction').mean)}% vs best ${best(id).strategy} ${pct(best(id).mean)}%`,
      });
    }
    {
      const id = 'small + different';
      const ok = matches(id, 'truncate-fine-tune');
      verdicts.push({
        scenario: id, claim: 'keep and tune only the lower layers (truncate + fine-tune)', verdict: ok ? 'supported' : 'contradicted',
        evidence: `truncate-fine-tune ${pct(row(id, 'truncate-fine-tune').mean)}% vs best ${best(id).strategy} ${pct(best(id).mean)}%`,
      });
    }
    {
      const id = 'large + similar';
      const scratch = row(id, 'from-scratch');
      const bestPre = rows.filter((r) => r.scenario === id && r.strategy !== 'from-scratch').reduce((a, b) => (b.mean > a.mean ? b : a));
      const viable = scratch.mean >= best(id).mean - 0.05;
      const better = bestPre.mean > scratch.mean;
      verdicts.push({
        scenario: id, claim: 'from scratch is viable, pretrained initialisation does better',
        verdict: viable && better ? 'supported' : viable || better ? 'partly supported' : 'contradicted',
        evidence: `from-scratch ${pct(scratch.mean)}% (${viable ? 'viable' : 'not viable'}: within 5 points of the best, ${pct(best(id).mean)}%); `
          + `best pretrained ${bestPre.strategy} ${pct(bestPre.mean)}% (${better ? 'better' : 'not better'})`,
      });
    }
    {
      const id = 'large + different';
      const many = [row(id, 'fine-tune-all'), row(id, 'gradual-unfreezing')].reduce((a, b) => (b.mean > a.mean ? b : a));
      const ok = many.mean >= best(id).mean - MARGIN && many.mean > row(id, 'feature-extraction').mean;
      verdicts.push({
        scenario: id, claim: 'fine-tune many layers or all', verdict: ok ? 'supported' : 'contradicted',
        evidence: `${many.strategy} ${pct(many.mean)}% vs best ${best(id).strategy} ${pct(best(id).mean)}% `
          + `and feature-extraction ${pct(row(id, 'feature-extraction').mean)}%`,
      });
    }
    const counted = scenarioIds.filter((id) => {
      const ms = rows.filter((r) => r.scenario === id).map((r) => r.mean);
      return Math.max(...ms) - Math.min(...ms) > 0.02;
    });
    const advisorHits = counted.filter((id) => matches(id, advice[id]!.strategy as StrategyName));
    const autoOf = (id: string): Array<AutoRun & { seed: number }> => autoRuns.filter((r) => r.scenario === id);
    const autoHits = counted.filter((id) => autoOf(id).length > 0 && autoOf(id).every((r) => matches(id, r.pick as StrategyName)));

    // Report.
    const md: string[] = [];
    md.push(`# Transfer learning: ${scenarioIds.length} scenarios on digits and Fashion-MNIST${quick ? ' (QUICK run: not the results)' : ''}`, '');
    const command = `npm run experiment:transfer${pageArgs().length ? ` -- ${pageArgs().join(' ')}` : ''}`;
    const seedNote = `${seedsDone}${seedsDone < seeds ? ` of ${seeds} (PARTIAL: the run was still going)` : ''}`;
    md.push(`Adapter: ${info.adapter}. Date: ${new Date().toISOString().slice(0, 10)}. Command: \`${command}\`. Seeds: ${seedNote}. `
      + `Source: the shipped trunk (MNIST 0–4, ${pct(card.heldOutAccuracy)}% held out).`, '');
    md.push('Held-out accuracy, mean ± std over seeds (time: mean wall seconds per run, training and evaluation):', '');
    md.push(`| scenario (train digits) | ${STRATEGIES.join(' | ')} |`, `| --- | ${STRATEGIES.map(() => '---').join(' | ')} |`);
    for (const id of scenarioIds) {
      const count = seed0.find((s) => s.id === id)!.split.train.count;
      const b = best(id);
      md.push(`| ${id} (${count}) | ${STRATEGIES.map((s) => {
        const r = row(id, s);
        const cell = `${pct(r.mean)} ± ${pct(r.std)} (${r.meanSeconds.toFixed(1)} s)`;
        return r === b ? `**${cell}**` : cell;
      }).join(' | ')} |`);
    }
    md.push('', '## Measured similarity and the advisor', '');
    md.push(
      '| scenario | similarity | probe features.0 / .1 / .2 (pretrained vs random) | best cut | recommendStrategy | its mean | best mean '
      + '| picked the best (within 1 point)? |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const id of scenarioIds) {
      const s = similarity[id]!;
      const a = advice[id]!;
      const probes = s.probes.map((p) => `${pct(p.pretrained)} vs ${pct(p.baseline)}`).join(' / ');
      md.push(`| ${id} | ${s.similarity.toFixed(2)} | ${probes} | ${s.bestCut} | ${a.strategy} | ${pct(row(id, a.strategy as StrategyName).mean)}% `
        + `| ${pct(best(id).mean)}% (${best(id).strategy}) | ${advisorHits.includes(id) ? 'yes' : 'no'} |`);
    }
    md.push('', `The rule (src/transfer/advisor.ts, version ${E.transfer.ADVISOR_RULE_VERSION}) picked the best strategy, within 1 point, `
      + `in ${advisorHits.length} of the ${counted.length} counted scenarios.`, '');
    md.push('## Transferability scores: LogME, regularized H-score, LEEP and Kendall τ', '');
    md.push('Scored on at most 300 training digits of each scenario (seed 0); ground truth: the 5-fold ridge probe accuracy at the same item '
      + '(fixed before the run, examples/transfer-extra.ts).', '');
    md.push(`Items: ${scores[scenarioIds[0]!]!.items.map((i) => i.item).join(', ')}.`, '');
    md.push('| scenario | LogME (items in that order) | probe accuracy (same order) | LEEP (per trunk) | NCE (per trunk) | Kendall τ-b LogME | τ-b reg. H |',
      '| --- | --- | --- | --- | --- | --- | --- |');
    for (const id of scenarioIds) {
      const s = scores[id]!;
      const lm = s.items.map((i) => i.logME.toFixed(3)).join(' / ');
      md.push(`| ${id} | ${lm} | ${s.items.map((i) => pct(i.probe)).join(' / ')} | ${s.leep.map((v) => v.toFixed(3)).join(' / ')} `
        + `| ${s.nce.map((v) => v.toFixed(3)).join(' / ')} | ${s.tau.logME.toFixed(2)} | ${s.tau.regularizedHScore.toFixed(2)} |`);
    }
    const meanTau = scenarioIds.reduce((a, id) => a + scores[id]!.tau.logME, 0) / scenarioIds.length;
    const goal = meanTau >= 0.6 ? 'met' : 'not met';
    md.push('', `Mean Kendall τ-b of LogME over the ${scenarioIds.length} scenarios: ${meanTau.toFixed(2)} (goal ≥ 0.6: ${goal}).`, '');
    md.push('## Auto strategy and rule v1', '');
    md.push(`Auto: fit({ strategy: 'auto' }), budget 2 × one strategy's training samples, AUTO_SETTINGS version ${E.transfer.AUTO_SETTINGS.version}. `
      + `Scenarios counted (best − worst mean > 2 points): ${counted.length} of ${scenarioIds.length}.`, '');
    md.push('| scenario | counted | auto picks (per seed) | auto held-out | auto samples / one strategy | auto seconds | rule v1 | best |');
    md.push('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const id of scenarioIds) {
      const runs = autoOf(id);
      const sc = seed0.find((x) => x.id === id)!;
      const one = rounds * sc.roundSamples;
      const picks = runs.map((r) => `${r.pick} @ ${r.lr}${matches(id, r.pick as StrategyName) ? ' ✓' : ' ✗'}`).join(', ') || 'not run';
      const acc = runs.length ? `${pct(meanStd(runs.map((r) => r.accuracy))[0])}%` : '—';
      const ratio = runs.length ? (meanStd(runs.map((r) => r.samples))[0] / one).toFixed(2) : '—';
      const secs = runs.length ? meanStd(runs.map((r) => r.seconds))[0].toFixed(1) : '—';
      const v1 = `${advice[id]!.strategy}${advisorHits.includes(id) ? ' ✓' : ' ✗'}`;
      md.push(`| ${id} | ${counted.includes(id) ? 'yes' : 'no'} | ${picks} | ${acc} | ${ratio} | ${secs} | ${v1} `
        + `| ${best(id).strategy} ${pct(best(id).mean)}% |`);
    }
    const fashionIds = counted.filter((id) => id.includes('fashion') || seed0.find((x) => x.id === id)!.source === 'fashion');
    const fashionSource = counted.filter((id) => seed0.find((x) => x.id === id)!.source === 'fashion');
    const hits = (ids: string[], of: string[]): number => ids.filter((id) => of.includes(id)).length;
    md.push('', '## Fashion-MNIST: the digits trunk → Fashion 5–9, and the Fashion-source trunk', '');
    md.push(`Counted scenarios with Fashion as target or source: ${fashionIds.length}; auto within 1 point of the best in ${hits(fashionIds, autoHits)}, `
      + `rule v1 in ${hits(fashionIds, advisorHits)}. Fashion-source scenarios counted: ${fashionSource.length}; auto within 1 point in `
      + `${hits(fashionSource, autoHits)}, rule v1 in ${hits(fashionSource, advisorHits)}. Fashion-source trunk: `
      + `${fashionWeights ? 'its scenarios are marked [Fashion trunk]' : 'not built (npm run pretrain -- --source fashion), its four scenarios not run'}.`, '');
    md.push('## Verdicts', '');
    for (const v of verdicts) md.push(`- **${v.scenario} → ${v.claim}: ${v.verdict}.** ${v.evidence}.`);
    md.push('', 'Each verdict is at this budget (budget-limited: no learning curves of the fixed strategies are recorded in this version).', '');
    md.push('![accuracy by scenario and strategy](transfer-experiment.svg)', '');
    md.push(`auto within 1 point of the best in ${autoHits.length} of ${counted.length} scenarios`);
    const report = md.join('\n');
    for (const line of report.split('\n')) log(line);

    const groups = scenarioIds.map((id) => ({
      label: id,
      bars: STRATEGIES.map((s) => ({ series: s, value: row(id, s).mean * 100, error: row(id, s).std * 100 })),
    }));
    const lows = rows.map((r) => r.mean * 100 - r.std * 100);
    const svg = barChart(groups, {
      title: `Held-out accuracy by scenario and strategy (${seedsDone} seed${seedsDone > 1 ? 's' : ''}, ${info.adapter})`,
      yLabel: 'held-out accuracy (%)', yMin: Math.max(0, Math.floor(Math.min(...lows) / 10) * 10), yMax: 100,
    });
    const chartEl = document.getElementById('chart');
    if (chartEl) chartEl.innerHTML = svg;
    const json = {
      date: new Date().toISOString(), adapter: info.adapter, command: `npm run experiment:transfer${quick ? ' -- --quick' : ''}`, quick,
      seeds: seedsDone, seedsPlanned: seeds, lr: LR, margin: MARGIN, rows, results, similarity, advice, advisorHits, verdicts,
      scores, autoRuns, autoHits, counted,
    };
    if (canSave()) {
      await saveFile(`${dir}/transfer-experiment.md`, `${report}\n`);
      await saveFile(`${dir}/transfer-experiment.json`, `${JSON.stringify(json, null, 2)}\n`);
      await saveFile(`${dir}/transfer-experiment.svg`, svg);
    }
    return { verdicts, advisorHits: advisorHits.length };
  };

  for (let seed = 0; seed < seeds; seed++) {
    for (const sc of scenariosFor(seed)) {
      for (const strategy of STRATEGIES) {
        if (results.some((r) => r.scenario === sc.id && r.seed === seed && r.strategy === strategy)) {
          done++;
          continue;
        }
        const r = await runStrategy({
          strategy, train: sc.split.train, test: sc.split.test, numClasses: 5, weights: weightsOf(sc), seed, rounds,
          roundSamples: sc.roundSamples, batch: sc.batch, lr: LR,
        });
        results.push({ ...r, scenario: sc.id, seed });
        done++;
        const elapsed = (performance.now() - tStart) / 1000;
        log(`[${done}/${total}] seed ${seed} ${sc.id} (${sc.split.train.count} digits) ${strategy}: ${pct(r.accuracy)}% in ${fmtSeconds(r.seconds)}; `
          + `ETA ${fmtSeconds((elapsed / done) * (total - done))}`);
        await savePartial();
      }
      if (!autoRuns.some((r) => r.scenario === sc.id && r.seed === seed)) {
        const a = await runAuto(weightsOf(sc), sc.split, 2 * rounds * sc.roundSamples, sc.batch, seed);
        autoRuns.push({ ...a, scenario: sc.id, seed });
        log(`[auto] seed ${seed} ${sc.id}: picked ${a.pick} @ ${a.lr}${a.truncateAt ? ` (cut ${a.truncateAt})` : ''}, held-out ${pct(a.accuracy)}%, `
          + `${a.samples} samples (${a.searchSamples} searching), ${fmtSeconds(a.seconds)}; rule v1's prior ${a.prior}`);
        await savePartial();
      }
      done++;
    }
    if (seed < seeds - 1) await writeReport(seed + 1);
  }
  return writeReport(seeds);
}

runMain(main);

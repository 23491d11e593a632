// The auto strategy's settings (auto.ts), as data. Version 1 was fixed before any experiment run: the candidates
// are the six strategies fit knows; the rates are the experiment's head rate (2e-3) and 5× that; eta 3 and half
// the budget for the search are the usual successive-halving choices. Only the digits-source quick run
// (`npm run experiment:transfer -- --quick`) has exercised it; nothing was tuned on it or on a full run.
// A change is a new version with its reason, never a tune toward the full run's results.
//
// Version 2 (issue 24, before the full run): minRungSamples 64 → 16, nothing else. Evidence: the digits-source
// quick run only (`-- --quick`: 4 rounds of 50 samples for small targets, so 200 per fixed run and an auto budget
// of 400; 4 × 100 = 400 and 800 for large + similar). Every rung there fell under the 64 floor, so the search
// alone took 12 × 64 + 4 × 64 + 2 × 64 = 1,152 samples, and auto cost 5.8× (small) and 2.9× (large + similar)
// one fixed run's samples, against the 2× its budget intends. 16 is the largest floor at which the 12 candidates'
// first rung (12 × 16 = 192) fits the smallest digits-source quick search share (200). No accuracy and no
// Fashion-source figure was looked at to choose it.

export const AUTO_SETTINGS = Object.freeze({
  version: 2,
  /** The candidate strategies, each tried at every rate below. */
  strategies: Object.freeze(['feature-extraction', 'fine-tune-top', 'fine-tune-all', 'gradual-unfreezing', 'truncate-fine-tune', 'from-scratch'] as const),
  /** The head's learning rates tried (AdamW; the lower groups get the strategy's discriminative share). */
  lrs: Object.freeze([2e-3, 1e-2] as const),
  /** Successive halving: each rung keeps ceil(n / eta) candidates, until one is left. */
  eta: 3,
  /** The share of the sample budget spent on the search; the winner trains on for the rest. */
  searchShare: 0.5,
  /** The stratified share of the data held out for validation when no validation set is given. */
  validation: 0.2,
  /** The smallest number of samples one candidate trains on in one rung (version 1: 64). */
  minRungSamples: 16,
  /** Target samples LogME scores the cut points on (for 'truncate-fine-tune'). */
  scoreSamples: 200,
});

export type AutoSettings = typeof AUTO_SETTINGS;

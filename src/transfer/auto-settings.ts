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

//
// Version 3 (issue 24, before the rerun of auto's full-run runs): rungValidation (new) 64, scoreSamples 200 → 100
// and fullCheck (new) false, nothing else; candidates, rates, eta, searchShare, the validation share and
// minRungSamples are unchanged (the search and its winner are the same; only what they are ranked and reported on).
// Evidence: the cost figures of the digits-source quick run only (`-- --quick --max-scenarios=3`, per phase from
// result.auto.cost.phases; 2 cores at load ~10), never an accuracy and no Fashion-source figure. In version 2,
// large + similar's auto call took 180 s against 7.4 s of training for the fixed run of the strategy it picked:
// - validation 118.8 s (66%): 25 passes over the whole 915-image split, 29 images scored per training sample,
//   5.5 ms an image, while the search trained 456 samples in 6.3 s (13.9 ms a sample, 25 samples a candidate's
//   rung on average). rungValidation 64 makes a rung's pass cost about what the candidate's training in it did
//   (64 × 5.5 ms ≈ 25 × 13.9 ms); a stratified subset (auto-data.ts), the same for every candidate and rung, since
//   the halving needs ranks only. With it the call took 40 s, of which the scores (4.7 s) and rule v1's probes
//   (7.2 s) were then 30%;
// - scores + probes: both score the same scoreSamples images (features at three cuts, an N×N Gram matrix and its
//   eigendecomposition or Cholesky folds per cut); at 100 (still above the 80 training images of the small quick
//   targets, which are scored whole) they took 2.1–6.3 s, the call 25–32 s;
// - fullCheck (new) false: scoring the winner's last point on the whole 915-image split took about 5.8 s of that
//   call (its validation phase 6.9 s, of which 7 rung-subset passes at the search's 0.16 s a pass), more than the
//   picked strategy's fixed run took to train (5.4 s, timed right after); the winner's curve and `final` stay on
//   the rung subset, and evaluate(result.model, validation) gives the whole split's figure when it is wanted.
// Engineering with the same numbers, beside it: the feature-extraction candidates' training features only once
// a rung covers the training set (33.9 s of the 180 were that matrix over 4,569 images for 800 samples),
// computed from the images on the GPU (no host round trip); a candidate's feature cache only for a rung that
// covers the training set; rankCutPoints computes LogME alone (no H-score spectrum).

export const AUTO_SETTINGS = Object.freeze({
  version: 3,
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
  /** The most validation images a rung's pass scores: a stratified subset, the same for every candidate (version 2: all). */
  rungValidation: 64,
  /** Score the winner's last point on the whole validation split (version 2: always; its only validation set). */
  fullCheck: false,
  /** Target samples (a stratified subset) LogME scores the cut points on and rule v1 probes (version 2: 200). */
  scoreSamples: 100,
});

export type AutoSettings = typeof AUTO_SETTINGS;

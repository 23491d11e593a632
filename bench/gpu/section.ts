// What a section of the GPU run is (bench/gpu/main.ts runs them; each lives in bench/gpu/sections/<name>.ts and
// exports `section`, found there by name: adding a section is adding one file). A section runs under its own time
// cap: it should check ctx.timeLeft() between its items and stop early, saying so in its result; the runner also
// stops waiting for it at the cap (then the section's result is 'capped' with whatever it logged).

import type { Jax } from '../jaxjs.ts';
import type { Engine, Tf } from '../registry.ts';
import type { TorchReference } from './torch.ts';

export interface SectionContext {
  /** The engine, with its internals under E.internal. init() is the section's to call (each starts afresh). */
  E: Engine;
  /** TF.js on its WebGPU backend (same adapter), or null with --no-tfjs. */
  tf: Tf | null;
  /** jax-js on its WebGPU backend (same Dawn), or null: --no-jaxjs, or it did not start (then jaxError says why). */
  jax: Jax | null;
  jaxError: string | null;
  /** `npm run bench:gpu -- --tiny`: a few quick items, on a CPU adapter. */
  tiny: boolean;
  /** Where the run writes its files (the section may add its own there). */
  outDir: string;
  /** Seconds left before this section's cap. */
  timeLeft(): number;
  log(message: string): void;
  /** The PyTorch eager reference (bench/gpu/torch_reference.py), run once on first call; an error inside when none. */
  torchReference(): Promise<TorchReference>;
  /** The reference if some section already ran it, else null (does not start it). */
  torchReferenceIfRun(): TorchReference | null;
}

export interface SectionResult {
  /** False when something in it failed (a wrong result, an error); a run that only hit its cap stays ok. */
  ok: boolean;
  /** One line for the run's summary. */
  summary: string;
  /** The section's part of gpu-run.md (tables). */
  markdown: string;
  /** The section's part of gpu-run.json. */
  data: unknown;
}

export interface Section {
  /** The name --only takes, e.g. 'kernels'. */
  name: string;
  title: string;
  /** Sections run in this order (then by name). */
  order: number;
  /** The time cap on a GPU (seconds) and with --tiny. All caps together stay under 5 minutes (opt-in ones aside). */
  capSeconds: number;
  tinyCapSeconds: number;
  run(ctx: SectionContext): Promise<SectionResult>;
  /** Runs only when named in --only (a long experiment, not part of the default 5-minute run). */
  optIn?: boolean;
}

// Traces of what ran: traceKernels records the op name of every dispatch (and 'copy' for every copy) while a
// function runs, traceLaunches also records what each dispatch was compiled and launched with. Tests use them
// to prove what ran (e.g. that a frozen trunk dispatches no backward kernels), and the kernel explorer to show
// the tile constants a dispatch chose. The recorder reports each command here; with no trace open, that costs
// two null checks.

/** One dispatch as traceLaunches records it: the op label, the kernel (its WGSL file name), the override
 * constants it was compiled with and the workgroup grid. */
export interface LaunchRecord {
  op: string;
  kernel: string;
  constants: Record<string, number>;
  workgroups: [number, number, number];
}

/** The open traces' logs (null: none open); a nested trace swaps its own log in and the outer one back. */
const logs: { kernels: string[] | null; launches: LaunchRecord[] | null } = { kernels: null, launches: null };

/** The recorder reports a dispatch. */
export function traceDispatch(op: string, kernel: string, constants: Record<string, number> | undefined, workgroups: readonly [number, number, number]): void {
  logs.kernels?.push(op);
  logs.launches?.push({ op, kernel, constants: { ...constants }, workgroups: [workgroups[0], workgroups[1], workgroups[2]] });
}

/** The recorder reports a buffer copy (traceKernels lists it as 'copy'). */
export function traceCopy(): void {
  logs.kernels?.push('copy');
}

/** Runs `fn` with a fresh log in `logs[which]` and returns what it collected. */
async function collect<K extends keyof typeof logs>(which: K, fn: () => unknown): Promise<NonNullable<(typeof logs)[K]>> {
  const log = [] as NonNullable<(typeof logs)[K]>;
  const previous = logs[which];
  logs[which] = log;
  try {
    await fn();
  } finally {
    logs[which] = previous;
  }
  return log;
}

/**
 * Records the name of every kernel dispatched while `fn` runs (copies appear as 'copy'). Tests use it to prove
 * what ran, e.g. that a frozen trunk dispatches no backward kernels.
 */
export function traceKernels(fn: () => unknown): Promise<string[]> {
  return collect('kernels', fn);
}

/**
 * Like traceKernels, with what each dispatch was compiled and launched with: the kernel explorer shows the
 * tile constants the default dispatch chose for a size.
 */
export function traceLaunches(fn: () => unknown): Promise<LaunchRecord[]> {
  return collect('launches', fn);
}

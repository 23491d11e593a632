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

let kernelLog: string[] | null = null;
let launchLog: LaunchRecord[] | null = null;

/** The recorder reports a dispatch. */
export function traceDispatch(op: string, kernel: string, constants: Record<string, number> | undefined, workgroups: readonly [number, number, number]): void {
  kernelLog?.push(op);
  launchLog?.push({ op, kernel, constants: { ...constants }, workgroups: [workgroups[0], workgroups[1], workgroups[2]] });
}

/** The recorder reports a buffer copy (traceKernels lists it as 'copy'). */
export function traceCopy(): void {
  kernelLog?.push('copy');
}

/**
 * Records the name of every kernel dispatched while `fn` runs (copies appear as 'copy'). Tests use it to prove
 * what ran, e.g. that a frozen trunk dispatches no backward kernels.
 */
export async function traceKernels(fn: () => unknown): Promise<string[]> {
  const log: string[] = [];
  const previous = kernelLog;
  kernelLog = log;
  try {
    await fn();
  } finally {
    kernelLog = previous;
  }
  return log;
}

/**
 * Like traceKernels, with what each dispatch was compiled and launched with: the kernel explorer shows the
 * tile constants the default dispatch chose for a size.
 */
export async function traceLaunches(fn: () => unknown): Promise<LaunchRecord[]> {
  const log: LaunchRecord[] = [];
  const previous = launchLog;
  launchLog = log;
  try {
    await fn();
  } finally {
    launchLog = previous;
  }
  return log;
}

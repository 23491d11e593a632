// Assertions shared by unit and GPU tests. They throw plain Errors, so benchmarks can use them too.

import { compareClose, type CloseOptions, type Mismatch } from './cpu.ts';

export interface AllCloseOptions extends CloseOptions {
  /** Shape of the data, to print indices as `[i,j]` instead of flat offsets. */
  shape?: readonly number[];
}

function indexLabel(index: number, shape: readonly number[] | undefined): string {
  if (!shape || shape.length === 0) return `[${index}]`;
  const coords = new Array<number>(shape.length);
  let rest = index;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const size = shape[axis]!;
    coords[axis] = rest % size;
    rest = Math.floor(rest / size);
  }
  return `[${coords.join(',')}]`;
}

function describe(m: Mismatch, shape: readonly number[] | undefined): string {
  return `${indexLabel(m.index, shape)}: actual ${m.actual}, expected ${m.expected}, error ${m.error.toPrecision(3)} > tolerance ${m.tolerance.toPrecision(3)}`;
}

/**
 * Asserts `|actual − expected| ≤ atol + rtol·|expected|` elementwise (defaults atol 1e-5, rtol 1e-4;
 * NaN matches NaN) and equal lengths. On failure the message gives the mismatch count, the worst element
 * and the first five mismatches.
 */
export function expectAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  options: AllCloseOptions = {},
): void {
  const { atol = 1e-5, rtol = 1e-4, shape } = options;
  if (actual.length !== expected.length) {
    throw assertionError(`expectAllClose: length differs: actual ${actual.length}, expected ${expected.length}`);
  }
  if (shape && shape.reduce((a, b) => a * b, 1) !== expected.length) {
    throw assertionError(`expectAllClose: shape [${shape.join(',')}] does not have ${expected.length} elements`);
  }
  const report = compareClose(actual, expected, { atol, rtol });
  if (report.count === 0) return;
  const lines = [
    `expectAllClose: ${report.count} of ${expected.length} elements differ (atol ${atol}, rtol ${rtol})`,
    `  worst ${describe(report.worst!, shape)}`,
    `  first mismatches:`,
    ...report.first.map((m) => `    ${describe(m, shape)}`),
  ];
  throw assertionError(lines.join('\n'));
}

function assertionError(message: string): Error {
  const err = new Error(message);
  err.name = 'AssertionError';
  return err;
}

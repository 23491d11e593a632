// Kendall's rank correlation τ-b (Kendall 1945: ties in either ranking handled), for the transfer experiment's
// scores against their ground truth. No imports, so the unit test runs it in Node.

/** Kendall's τ-b (ties in either ranking handled), for two equal-length lists. */
export function kendallTauB(x: readonly number[], y: readonly number[]): number {
  let concordant = 0;
  let discordant = 0;
  let tiesX = 0;
  let tiesY = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const dx = Math.sign(x[i]! - x[j]!);
      const dy = Math.sign(y[i]! - y[j]!);
      if (dx === 0 && dy === 0) continue;
      if (dx === 0) tiesX++;
      else if (dy === 0) tiesY++;
      else if (dx === dy) concordant++;
      else discordant++;
    }
  }
  const n0 = concordant + discordant;
  const den = Math.sqrt((n0 + tiesX) * (n0 + tiesY));
  return den === 0 ? NaN : (concordant - discordant) / den;
}

// The seeded generator of the stochastic weightings (RLW's weights, GradVac's task orders): mulberry32
// (uniform in [0, 1)) and Box–Muller normals. Small enough to port exactly, which the Python reference
// generator (tests/fixtures/multitask/gen_weightings.py) does, so its fixtures reproduce the same draws.

export class SeededRandom {
  private state: number;
  private spare: number | null = null;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box–Muller, two per pair of uniforms). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const u = 1 - this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A Fisher–Yates shuffle of a copy of `items`. */
  shuffle<V>(items: readonly V[]): V[] {
    const a = [...items];
    for (let k = a.length - 1; k > 0; k--) {
      const r = Math.floor(this.uniform() * (k + 1));
      [a[k], a[r]] = [a[r]!, a[k]!];
    }
    return a;
  }
}

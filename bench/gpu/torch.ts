// The PyTorch eager column of the GPU run (bench/gpu/torch_reference.py writes the reference; the training and
// kernel sections put it beside their rows of the same names).

/** A PyTorch reference file (bench/gpu/torch_reference.py): ms per row name. */
export interface TorchReference {
  info?: { torch: string; device: string; name: string };
  rows?: Record<string, { ms: number; samplesPerSec?: number }>;
  error?: string;
}

interface RowLike {
  name: string;
  ours: { ms: number } | null;
  tfjs: { ms: number } | null;
}

/** The markdown table of rows that have a PyTorch figure: ours, TF.js and PyTorch ms, and PyTorch ms / ours. */
export function torchTable(rows: RowLike[], ref: TorchReference): string {
  const byName = ref.rows ?? {};
  const head = ['row', 'ours ms', 'TF.js ms', `PyTorch eager ms (${ref.info ? `${ref.info.torch}, ${ref.info.name}` : 'none'})`, 'PyTorch/ours'];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const r of rows) {
    const t = byName[r.name];
    if (!t) continue;
    const fmt = (v: number | undefined): string => (v === undefined ? '–' : v >= 10 ? v.toFixed(1) : v.toPrecision(3));
    lines.push(`| ${[r.name, fmt(r.ours?.ms), fmt(r.tfjs?.ms), fmt(t.ms), r.ours ? (t.ms / r.ours.ms).toFixed(2) : '–'].join(' | ')} |`);
  }
  return lines.length > 2 ? lines.join('\n') : `(no PyTorch reference${ref.error ? `: ${ref.error}` : ''})`;
}

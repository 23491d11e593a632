// The rows of the one GPU run (bench/gpu/run.sh → node dist-gpu/bench-node.mjs --suite gpu), sized to stay
// under 5 minutes of GPU time: the kernel rows with every kernel version (the tile-configuration sweep of each
// family: matmul v1…, conv2d's gemm tile variants, the depthwise versions, whose GPU defaults are unmeasured),
// the training steps at batch 64 and 256, and the two zoo models' 224² forward at batch 16. `tiny`: the
// same pipeline on a few quick rows, to check it on a CPU adapter (npm run bench:gpu -- --tiny).

const TRAIN = ['mnist-cnn', 'resnet-s'].flatMap((model) => ['full', 'frozen', 'two-heads'].flatMap((mode) => [64, 256].map((n) => `train ${model} ${mode} N${n}`)));

export interface Suite {
  /** Row-name alternatives (the harness's comma-separated filter). */
  filter: string[];
  quick: boolean;
  versions: boolean;
}

export const SUITES: Record<'gpu' | 'tiny', Suite> = {
  gpu: {
    filter: ['matmul 1024', 'matmul 2048', 'matmul 4096', 'conv2d resnet18', 'conv2d mobilenet_v2', 'depthwise mobilenet_v2', ...TRAIN, 'models resnet18 224² N16 fwd', 'models mobilenet_v2 224² N16 fwd'],
    quick: false,
    versions: true,
  },
  tiny: { filter: ['matmul 256', 'conv2d mnist conv2 32→64 14² N2', 'train mnist-cnn full N4', 'train mnist-cnn frozen N4'], quick: true, versions: true },
};

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

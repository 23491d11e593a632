// Section `kernels`: every registered kernel version at the bench shapes (bench/cases/: matmul up to 4096², the
// ResNet-18 and MobileNetV2 convolutions forward and backward, the depthwise layers, pooling, reductions,
// elementwise), beside TF.js WebGPU on the same adapter and PyTorch's cuBLAS / cuDNN when the training section
// has run the reference; then the two zoo models' forward at batch 16. Rows run in this order until the cap.

import { runRows, rowsOk } from '../bench-rows.ts';
import type { Section } from '../section.ts';
import { torchTable } from '../torch.ts';

export const ROWS = [
  'matmul 1024', 'matmul 2048', 'matmul 4096', 'linear+relu', 'conv2d resnet18', 'conv2d mobilenet_v2', 'conv2d mnist', 'depthwise mobilenet_v2',
  'pool', 'reduce', 'elementwise', 'models resnet18 224² N16 fwd', 'models mobilenet_v2 224² N16 fwd',
];
export const TINY_ROWS = ['matmul 256'];

export const section: Section = {
  name: 'kernels',
  title: 'every kernel version at the bench shapes, beside TF.js (and PyTorch)',
  order: 30,
  capSeconds: 100,
  tinyCapSeconds: 60,
  async run(ctx) {
    const { rows, notRun, table } = await runRows(ctx, ctx.tiny ? TINY_ROWS : ROWS, { versions: true, reserveSeconds: ctx.tiny ? 5 : 8 });
    const ref = ctx.torchReferenceIfRun();
    const failed = rows.filter((r) => r.error || !r.check.ok).map((r) => r.name);
    const markdown = [
      table,
      ...(ref ? ['', '### PyTorch eager', '', torchTable(rows, ref)] : []),
      ...(notRun.length ? ['', `Not run (cap): ${notRun.join(', ')}`] : []),
    ];
    return {
      ok: rowsOk(rows),
      summary: `${rows.length} rows${notRun.length ? `, ${notRun.length} left at the cap` : ''}${failed.length ? `; FAILED: ${failed.join(', ')}` : ''}`,
      markdown: markdown.join('\n'),
      data: { rows, notRun },
    };
  },
};

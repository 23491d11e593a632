// Section `training`: training steps (bench/cases/train.ts: the MNIST CNN and a small ResNet, full, frozen trunk
// and two heads, at batch 64 and 256; loss read back every step) beside TF.js WebGPU on the same adapter and
// PyTorch eager (bench/gpu/torch_reference.py, run first: its matmul and conv rows also serve the kernels section).

import { runRows, rowsOk } from '../bench-rows.ts';
import type { Section } from '../section.ts';
import { torchTable } from '../torch.ts';

export const ROWS = ['mnist-cnn', 'resnet-s'].flatMap((model) =>
  ['full', 'frozen', 'two-heads'].flatMap((mode) => [64, 256].map((n) => `train ${model} ${mode} N${n}`)),
);
export const TINY_ROWS = ['train mnist-cnn frozen N4'];

export const section: Section = {
  name: 'training',
  title: 'training steps beside TF.js and PyTorch eager',
  order: 20,
  capSeconds: 100,
  tinyCapSeconds: 90,
  async run(ctx) {
    const ref = await ctx.torchReference();
    ctx.log(ref.error ? `no PyTorch reference: ${ref.error}` : `PyTorch reference: ${Object.keys(ref.rows ?? {}).length} rows (${ref.info?.name ?? '?'})`);
    const { rows, notRun, table } = await runRows(ctx, ctx.tiny ? TINY_ROWS : ROWS, { versions: false, reserveSeconds: ctx.tiny ? 5 : 8 });
    const failed = rows.filter((r) => r.error || !r.check.ok).map((r) => r.name);
    const markdown = [table, '', '### PyTorch eager', '', torchTable(rows, ref), ...(notRun.length ? ['', `Not run (cap): ${notRun.join(', ')}`] : [])];
    return {
      ok: rowsOk(rows),
      summary:
        `${rows.length} steps${notRun.length ? `, ${notRun.length} left at the cap` : ''}` +
        `${ref.error ? '; no PyTorch' : ''}${failed.length ? `; FAILED: ${failed.join(', ')}` : ''}`,
      markdown: markdown.join('\n'),
      data: { rows, notRun, torchReference: ref },
    };
  },
};

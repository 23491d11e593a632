// Section `jaxjs`: jax-js (npm `@jax-js/jax`, bench/jaxjs.ts) beside ours on the same Dawn device: a few matmul
// and conv rows and MNIST-CNN training steps at batch 64, each validated against ours and timed as `npm run
// bench` times jax-js (wall clock, each repetition read back, alternated with ours; training steps read the loss
// every step). If jax-js cannot start under Node + Dawn, the section says why and passes.

import { runRows, rowsOk } from '../bench-rows.ts';
import type { Section } from '../section.ts';

export const ROWS = [
  'matmul 1024', 'matmul 4096', 'conv2d resnet18 layer2 128→128 28² N64 fwd', 'train mnist-cnn full N64', 'train mnist-cnn frozen N64',
];
export const TINY_ROWS = ['matmul 256'];

export const section: Section = {
  name: 'jaxjs',
  title: 'jax-js beside ours (matmul, conv, MNIST-CNN steps)',
  order: 40,
  capSeconds: 20,
  tinyCapSeconds: 60,
  async run(ctx) {
    if (!ctx.jax) {
      const why = `jax-js did not run: ${ctx.jaxError ?? 'not started'}`;
      ctx.log(why);
      return { ok: true, summary: why, markdown: why, data: { error: ctx.jaxError } };
    }
    const { rows, notRun, table } = await runRows(ctx, ctx.tiny ? TINY_ROWS : ROWS, { versions: false, reserveSeconds: ctx.tiny ? 5 : 4, jax: true });
    const failed = rows.filter((r) => r.error || !r.check.ok).map((r) => r.name);
    const noJax = rows.filter((r) => r.ratioJax === null).map((r) => `${r.name} (${r.jaxjsSkip ?? r.error ?? '?'})`);
    return {
      ok: rowsOk(rows),
      summary:
        `${rows.length} rows${notRun.length ? `, ${notRun.length} left at the cap` : ''}` +
        `${noJax.length ? `; no jax-js figure: ${noJax.join(', ')}` : ''}${failed.length ? `; FAILED: ${failed.join(', ')}` : ''}`,
      markdown: [table, ...(notRun.length ? ['', `Not run (cap): ${notRun.join(', ')}`] : [])].join('\n'),
      data: { rows, notRun },
    };
  },
};

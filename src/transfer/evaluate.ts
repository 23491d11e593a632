// evaluate and predict: a trained classifier on a dataset (accuracy, a per-class table, the confusion matrix)
// and on new images (a label and the class probabilities per image, named by the model's classes).
//
// Both run the model in eval mode under noGrad and put its train/eval mode back afterwards. Images for
// predict: a LabeledImages (its labels are ignored), a float32 tensor [N, C, H, W] already prepared for the
// model, or RGBA images (ImageData-like), which are prepared for the model's input spec by prepare.ts (on the
// CPU for now; see there).

import { EngineError, ShapeError, fmtShape, argmax, checkOptions, noGrad, prepareImages, softmax, tidy, Tensor } from '../engine/internal.ts';
import { Module } from '../nn/index.ts';
import type { LabeledImages, RgbaImage } from '../data/types.ts';
import { modelInfo } from './model-info.ts';

export interface ClassRow {
  class: string;
  /** Images of this class in the data. */
  count: number;
  correct: number;
  /** correct / count (recall); NaN when the class has no image. */
  accuracy: number;
  /** Of the images predicted as this class, the share that were (NaN when none was). */
  precision: number;
}

export interface Evaluation {
  accuracy: number;
  count: number;
  perClass: ClassRow[];
  /** confusion[true][predicted] counts. */
  confusion: number[][];
  classes: readonly string[];
}

export interface Prediction {
  label: string;
  /** Index of the label in classes. */
  index: number;
  probability: number;
  /** One per class, in the order of classes. */
  probabilities: number[];
}

function classesOf(op: string, model: Module, given?: readonly string[]): readonly string[] {
  const classes = given ?? modelInfo(model)?.classes;
  if (!classes) throw new EngineError(`${op}: ${model.label()} has no class names: pass { classes }, or use a model from fit or load`);
  return classes;
}

async function withEval<T>(model: Module, fn: () => Promise<T>): Promise<T> {
  const was = model.training;
  model.eval();
  try {
    return await fn();
  } finally {
    model.train(was);
  }
}

/** Accuracy, a per-class table and the confusion matrix of `model` on `data`. */
export async function evaluate(model: Module, data: LabeledImages, options: { batchSize?: number; classes?: readonly string[] } = {}): Promise<Evaluation> {
  if (!(model instanceof Module)) throw new TypeError('evaluate: model must be an nn.Module');
  checkOptions('evaluate', options, ['batchSize', 'classes']);
  if (!data || typeof data.batches !== 'function') throw new TypeError('evaluate: data must be a LabeledImages');
  const classes = options.classes ?? modelInfo(model)?.classes ?? data.classes;
  const k = classes.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let offset = 0;
  await withEval(model, async () => {
    for await (const batch of data.batches({ batchSize: options.batchSize ?? 64 })) {
      const pred = noGrad(() => tidy(() => argmax(model.forward(batch.x) as Tensor, 1)));
      batch.x.dispose();
      batch.y.dispose();
      const p = await pred.data();
      pred.dispose();
      for (let i = 0; i < p.length; i++) {
        const t = data.labels[offset + i]!;
        if (p[i]! >= k) throw new ShapeError(`evaluate: the model predicts class ${p[i]} but there are ${k} classes`);
        confusion[t]![p[i]!]!++;
      }
      offset += p.length;
    }
  });
  const correct = confusion.reduce((s, row, i) => s + row[i]!, 0);
  const perClass = classes.map((c, i) => {
    const count = confusion[i]!.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + row[i]!, 0);
    return { class: c, count, correct: confusion[i]![i]!, accuracy: confusion[i]![i]! / count, precision: confusion[i]![i]! / predicted };
  });
  return { accuracy: correct / Math.max(offset, 1), count: offset, perClass, confusion, classes };
}

/** The class probabilities of each image and its most probable label. */
export async function predict(
  model: Module,
  images: LabeledImages | Tensor | readonly RgbaImage[],
  options: { batchSize?: number; classes?: readonly string[] } = {},
): Promise<Prediction[]> {
  if (!(model instanceof Module)) throw new TypeError('predict: model must be an nn.Module');
  checkOptions('predict', options, ['batchSize', 'classes']);
  const classes = classesOf('predict', model, options.classes);
  const out: Prediction[] = [];
  const add = async (x: Tensor): Promise<void> => {
    const probs = noGrad(() => tidy(() => softmax(model.forward(x) as Tensor, 1)));
    const [n, k] = probs.shape as [number, number];
    if (k !== classes.length) {
      probs.dispose();
      throw new ShapeError(`predict: the model gives ${k} outputs for ${classes.length} classes`);
    }
    const v = await probs.data();
    probs.dispose();
    for (let i = 0; i < n; i++) {
      const p = Array.from(v.subarray(i * k, (i + 1) * k));
      const index = p.indexOf(Math.max(...p));
      out.push({ label: classes[index]!, index, probability: p[index]!, probabilities: p });
    }
  };
  await withEval(model, async () => {
    if (images instanceof Tensor) {
      if (images.shape.length !== 4) throw new ShapeError(`predict: images must be [N, C, H, W], got ${fmtShape(images.shape)}`);
      await add(images);
    } else if (Array.isArray(images)) {
      const input = modelInfo(model)?.input;
      if (!input) throw new EngineError('predict: RGBA images need the model\'s input spec: use a model from fit or load');
      const x = prepareImages(images as readonly RgbaImage[], input, { op: 'predict' });
      try {
        await add(x);
      } finally {
        x.dispose();
      }
    } else {
      for await (const batch of (images as LabeledImages).batches({ batchSize: options.batchSize ?? 64 })) {
        batch.y.dispose();
        try {
          await add(batch.x);
        } finally {
          batch.x.dispose();
        }
      }
    }
  });
  return out;
}

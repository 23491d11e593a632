// src/data: labelled image sets for training (issue 22). Folders, files, buffers and browser images in
// (node.ts, browser.ts), held compactly and batched with the next batch decoded while the GPU trains
// (image-set.ts, prefetch.ts), split by class (split.ts), prepared for the trunk's input (prepare.ts).
//
//   const data = await fromFolder('photos', { input });          // Node: photos/<class>/*.jpg
//   const data = await fromFiles(input.files, { input });        // page: <input type="file" webkitdirectory>
//   const { train, validation } = data.split({ valFraction: 0.2, seed: 0 });
//   for await (const { x, y } of train.batches({ batchSize: 32, shuffle: true })) { …; x.dispose(); y.dispose(); }

import { EngineError } from '../engine/internal.ts';
import { browserCodec, browserHeldDecode, type BrowserImageSource } from './browser.ts';
import { collect, type Entry, type LoadOptions } from './collect.ts';
import type { ImageSet } from './image-set.ts';
import { nodeCodec, nodeHeldDecode } from './node.ts';

export type { InputSpec, RgbaImage, LabeledImages, LabeledBatch, BatchOptions } from './types.ts';
export { ImageSet, type HeldImage } from './image-set.ts';
export { type LoadOptions } from './collect.ts';
export { IMAGENET_INPUT } from './imagenet.ts';
export { stratifiedSplit, type SplitOptions } from './split.ts';
export { fromFolder, decodeNode, loadSharp } from './node.ts';
export { fromFiles, decodeBrowser, type BrowserImageSource, type PathedFile } from './browser.ts';
export { prepareBatch } from './prepare.ts';
export { fromTensors } from './tensor-images.ts';
export { prepareImages, drawAugmentations, type AugmentConfig, type ImageAugmentation } from '../engine/internal.ts';

/** Anything one image can come from: a path or file bytes (Node), or what a browser decodes or draws. */
export type ImageSource = string | Uint8Array | BrowserImageSource;

function inNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string' && typeof (globalThis as { document?: unknown }).document === 'undefined';
}

/**
 * Images grouped by class, classes in the record's order: `{ cat: ['cat1.jpg', buffer], dog: [...] }` in Node,
 * `{ cat: [file, img, canvas], dog: [...] }` in the page (a webcam's frames included).
 */
export async function fromClasses(byClass: Readonly<Record<string, readonly ImageSource[]>>, options: LoadOptions = {}): Promise<ImageSet> {
  const op = 'fromClasses';
  const classes = Object.keys(byClass);
  const node = inNode();
  const entries: Entry<ImageSource>[] = [];
  for (const className of classes) {
    const list = byClass[className]!;
    for (let i = 0; i < list.length; i++) {
      let source = list[i]!;
      const name = typeof source === 'string' ? source : typeof File !== 'undefined' && source instanceof File ? source.name : `${className}/${i}`;
      if (node && source instanceof Blob) source = new Uint8Array(await source.arrayBuffer());
      else if (node && typeof source !== 'string' && !(source instanceof Uint8Array)) {
        throw new EngineError(`${op}: '${name}' of class '${className}' is a browser image; in Node pass paths or Buffers`);
      } else if (!node && typeof source === 'string') {
        throw new EngineError(`${op}: '${source}' of class '${className}' is a path; in a browser pass File/Blob or an image element`);
      }
      entries.push({ className, name, source });
    }
  }
  return node
    ? collect(op, classes, entries as Entry<string | Uint8Array>[], nodeCodec, nodeHeldDecode, options)
    : collect(op, classes, entries as Entry<BrowserImageSource | Uint8Array>[], browserCodec, browserHeldDecode, options);
}

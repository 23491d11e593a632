// What a checkpoint is, from its keys and shapes, so that loading the wrong one says so: "this is
// torchvision's resnet34, not resnet18", "mobilenet_v2 with widthMult 0.5, not 1", "10 classes, not 1000".

import { mobilenetV2Widths, WIDTH_MULTS } from './widths.ts';

type Shapes = Map<string, readonly number[]>;

const RESNET_BLOCKS: Record<string, string> = {
  '2,2,2,2/basic': 'resnet18', '3,4,6,3/basic': 'resnet34', '3,4,6,3/bottleneck': 'resnet50',
  '3,4,23,3/bottleneck': 'resnet101', '3,8,36,3/bottleneck': 'resnet152',
};

/** The architecture a state dict belongs to, in torchvision's names, with its class count and width. */
export interface CheckpointKind {
  arch: string;
  numClasses: number | null;
  widthMult?: number | null;
}

/** Recognizes torchvision's ResNets and MobileNetV2 (and says "unknown" for the rest). */
export function identifyCheckpoint(shapes: Shapes): CheckpointKind {
  if (shapes.has('conv1.weight') && shapes.has('layer1.0.conv1.weight')) {
    const blocks = [1, 2, 3, 4].map((l) => {
      let n = 0;
      while ([...shapes.keys()].some((k) => k.startsWith(`layer${l}.${n}.`))) n++;
      return n;
    });
    const kind = shapes.has('layer1.0.conv3.weight') ? 'bottleneck' : 'basic';
    const arch = RESNET_BLOCKS[`${blocks.join(',')}/${kind}`] ?? `a ResNet with ${kind === 'basic' ? 'BasicBlocks' : 'Bottlenecks'} [${blocks.join(', ')}]`;
    return { arch, numClasses: shapes.get('fc.weight')?.[0] ?? null };
  }
  if (shapes.has('features.0.0.weight') && shapes.has('classifier.1.weight') && shapes.has('features.1.conv.0.0.weight')) {
    const got = mobilenetWidthsOf(shapes);
    const widthMult = WIDTH_MULTS.find((w) => mobilenetV2Widths(w).every((c, i) => c === got[i])) ?? null;
    return { arch: 'mobilenet_v2', numClasses: shapes.get('classifier.1.weight')?.[0] ?? null, widthMult };
  }
  if (shapes.has('classifier.3.weight') && shapes.has('features.0.0.weight')) {
    return { arch: 'mobilenet_v3', numClasses: shapes.get('classifier.3.weight')?.[0] ?? null };
  }
  return { arch: 'unknown', numClasses: null };
}

/** The output channels of MobileNetV2's 19 feature blocks as stored in a checkpoint (0 where a key is missing). */
function mobilenetWidthsOf(shapes: Shapes): number[] {
  const out: number[] = [];
  for (let i = 0; i < 19; i++) {
    const w = i === 0 || i === 18
      ? shapes.get(`features.${i}.0.weight`)
      : (shapes.get(`features.${i}.conv.2.weight`) ?? shapes.get(`features.${i}.conv.1.weight`));
    out.push(w?.[0] ?? 0);
  }
  return out;
}

/** One sentence on how a checkpoint differs from the model `arch` (its own state dict `own`). */
export function describeCheckpoint(arch: string, own: Map<string, { shape: readonly number[] }>, shapes: Shapes): string {
  const mine = identifyCheckpoint(new Map([...own].map(([k, t]) => [k, t.shape])));
  const theirs = identifyCheckpoint(shapes);
  if (theirs.arch === 'unknown') {
    const first = [...shapes.keys()].slice(0, 3).map((k) => `"${k}"`).join(', ');
    return `the checkpoint is not a torchvision ResNet or MobileNetV2 (its first keys: ${first || 'none'}).`;
  }
  if (theirs.arch !== mine.arch) return `the checkpoint is torchvision's ${theirs.arch}, not ${mine.arch}: build models.${camel(theirs.arch)}() for it.`;
  if (theirs.widthMult !== mine.widthMult) {
    const theirWidths = theirs.widthMult === null ? 'channel widths of no standard widthMult' : `widthMult ${theirs.widthMult}`;
    return `the checkpoint is a mobilenet_v2 with ${theirWidths}, this model has widthMult ${mine.widthMult}: `
      + `build it with { widthMult: ${theirs.widthMult ?? '?'} }.`;
  }
  if (theirs.numClasses !== mine.numClasses) {
    return `the checkpoint's classifier has ${theirs.numClasses} classes, this model's ${mine.numClasses}: `
      + `build it with { numClasses: ${theirs.numClasses} } to load it (then replace the head for your classes).`;
  }
  return `the checkpoint looks like ${theirs.arch} but its keys or shapes differ:`;
}

function camel(arch: string): string {
  return arch === 'mobilenet_v2' ? 'mobilenetV2' : arch.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

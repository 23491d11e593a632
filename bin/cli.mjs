// The commands behind bin/webgpu-tensor.mjs, on the built library (passed in as `lib`, dist/index.js):
//
//   fit FOLDER      a class-per-folder image set (data.fromFolder) → a trunk with a new head, trained by
//                   transfer.fit on a stratified split → the validation's per-class table and accuracy on
//                   stdout (the accuracy line last), the model saved by transfer.save. Progress on stderr.
//                   Without --weights the trunk is the shipped digits CNN (transfer.pretrainedDigits), fed
//                   what it expects (transfer.DIGITS_INPUT: gray 28×28); with --weights a zoo trunk
//                   (models.readWeights: a file or a URL, downloaded once into the cache), fed the file's
//                   input spec or its architecture's.
//   predict MODEL IMAGE...   one line per image in argument order: path, label, probability (tab-separated);
//                   an image that cannot be read prints `path<TAB>error: reason` and the exit code is 1.
//
// Exit codes: 0 done, 1 a failure (or an image predict could not read), 2 a usage error.

import { parseArgs } from 'node:util';

const FIT_DEFAULTS = { epochs: '5', strategy: 'fine-tune-top', 'val-split': '0.2', seed: '0', out: 'model.safetensors', lr: '0.01' };

function usage(lib) {
  return `Usage:
  webgpu-tensor fit FOLDER [options]     train a classifier on FOLDER/<class>/<image> files
  webgpu-tensor predict MODEL IMAGE...   classify images with a model saved by fit

fit options:
  --weights FILE|URL   a pretrained trunk (.safetensors, torchvision or timm names); default: the shipped
                       digits trunk, images converted to gray 28×28
  --arch NAME          the trunk's architecture, when the weights' keys do not say it: ${lib.transfer.ARCHITECTURES.join(', ')}
  --strategy NAME      ${lib.transfer.STRATEGIES.join(', ')} (default ${FIT_DEFAULTS.strategy})
  --truncate-at CUT    for truncate-fine-tune: the trunk's cut point to keep up to (fit lists them when missing)
  --epochs N           (default ${FIT_DEFAULTS.epochs})
  --lr RATE            the head's learning rate (default ${FIT_DEFAULTS.lr})
  --batch-size N       (default: fit's)
  --val-split SHARE    share of each class held out for validation (default ${FIT_DEFAULTS['val-split']})
  --augment            random resized crop, flip and colour jitter on the GPU, anew each epoch (no feature cache)
  --seed N             seeds the split, the shuffles and new weights (default ${FIT_DEFAULTS.seed})
  --out FILE           where the model goes (default ${FIT_DEFAULTS.out})

Progress goes to stderr; stdout gets the validation's per-class table and, last, "validation accuracy: NN.N%".
Images are decoded by the \`sharp\` package and run on the \`webgpu\` package (npm install sharp webgpu).
`;
}

class UsageError extends Error {}

function number(name, text, { integer = false, min = -Infinity, max = Infinity, open = false } = {}) {
  const v = Number(text);
  const bad = !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max || (open && (v === min || v === max));
  if (bad) throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'}${open ? ` in (${min}, ${max})` : min > -Infinity ? ` ≥ ${min}` : ''}, got ${JSON.stringify(text)}`);
  return v;
}

const percent = (x) => `${(100 * x).toFixed(1)}%`;

/** A table with right-aligned numbers, for stdout. */
function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n');
}

/** The trunk and its input: the shipped digits CNN, or a zoo model built from --weights (and --arch). */
async function trunkFor(lib, values) {
  const { transfer } = lib;
  if (values.weights === undefined) {
    if (values.arch !== undefined && values.arch !== 'digits-cnn') throw new UsageError(`--arch ${values.arch} needs --weights (the shipped trunk is digits-cnn)`);
    return { model: await transfer.pretrainedDigits(), input: transfer.DIGITS_INPUT, from: 'the shipped digits trunk (digits-cnn)' };
  }
  let shown = -1;
  // transfer.loadTrunk reads the file (progress, cache), finds or checks the architecture and builds the model.
  const trunk = await transfer.loadTrunk(values.weights, {
    ...(values.arch !== undefined ? { arch: values.arch } : {}),
    onProgress: ({ received, total, cached }) => {
      if (cached) return;
      const mb = Math.floor(received / 1e6);
      if (mb === shown && received !== total) return;
      shown = mb;
      process.stderr.write(`downloading ${values.weights}: ${(received / 1e6).toFixed(1)}${total ? ` / ${(total / 1e6).toFixed(1)}` : ''} MB\n`);
    },
  });
  return { model: trunk.model, input: trunk.input, from: `${trunk.arch} from ${trunk.from}` };
}

async function fitCommand(lib, args) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      weights: { type: 'string' }, arch: { type: 'string' }, epochs: { type: 'string' }, strategy: { type: 'string' },
      'val-split': { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, lr: { type: 'string' },
      'batch-size': { type: 'string' }, 'truncate-at': { type: 'string' }, augment: { type: 'boolean' },
    },
  });
  if (positionals.length !== 1) throw new UsageError(`fit takes one FOLDER, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`);
  const o = { ...FIT_DEFAULTS, ...values };
  const epochs = number('epochs', o.epochs, { integer: true, min: 1 });
  const valFraction = number('val-split', o['val-split'], { min: 0, max: 1, open: true });
  const seed = number('seed', o.seed, { integer: true, min: 0 });
  const lr = number('lr', o.lr, { min: 0, open: false });
  const batchSize = o['batch-size'] === undefined ? undefined : number('batch-size', o['batch-size'], { integer: true, min: 1 });
  if (!lib.transfer.STRATEGIES.includes(o.strategy)) throw new UsageError(`--strategy must be one of ${lib.transfer.STRATEGIES.join(', ')}, got ${o.strategy}`);
  if (o.arch !== undefined && !lib.transfer.ARCHITECTURES.includes(o.arch)) {
    throw new UsageError(`--arch must be one of ${lib.transfer.ARCHITECTURES.join(', ')}, got ${o.arch}`);
  }

  const { data, transfer, init } = lib;
  const start = Date.now();
  const info = await init();
  process.stderr.write(`device: ${info?.adapter || 'WebGPU'}\n`);
  const { model, input, from } = await trunkFor(lib, o);
  const truncateAt = o['truncate-at'];
  if (o.strategy === 'truncate-fine-tune' && truncateAt === undefined) {
    throw new UsageError(`--strategy truncate-fine-tune needs --truncate-at, one of the trunk's cut points: ${transfer.cutPoints(model).join(', ')}`);
  }
  const set = await data.fromFolder(positionals[0], { input, onWarning: (m) => process.stderr.write(`warning: ${m}\n`) });
  const { train, validation } = set.split({ valFraction, seed });
  process.stderr.write(`${set.size} images in ${set.classes.length} classes (${set.classes.join(', ')}): ${train.size} to train, ${validation.size} to validate\n`);
  const aug = o.augment ? ', augmented' : '';
  process.stderr.write(`trunk: ${from}; input ${input.size.join('×')}, ${input.channels === 1 ? 'gray' : 'RGB'}; strategy ${o.strategy}, ${epochs} epochs${aug}\n`);
  const tty = process.stderr.isTTY;
  const result = await transfer.fit({
    model, data: { train, validation }, strategy: o.strategy, epochs, lr, seed, ...(batchSize ? { batchSize } : {}), ...(truncateAt ? { truncateAt } : {}),
    ...(o.augment ? { augment: true } : {}),
    onProgress: (p) => {
      if (p.record) {
        const r = p.record;
        const val = r.valAccuracy === undefined ? '' : `, validation ${percent(r.valAccuracy)}`;
        process.stderr.write(`${tty ? '\r\x1b[K' : ''}epoch ${r.epoch + 1}/${p.epochs}: loss ${r.loss.toFixed(4)}, accuracy ${percent(r.accuracy)}${val} (${r.seconds.toFixed(1)} s)\n`);
      } else if (tty) {
        process.stderr.write(`\r\x1b[Kepoch ${p.epoch + 1}/${p.epochs}: batch ${p.batch}/${p.batches}`);
      }
    },
  });
  const report = await transfer.evaluate(result.model, validation);
  await transfer.save(result.model, { path: o.out });
  process.stderr.write(`saved ${o.out} (${((Date.now() - start) / 1000).toFixed(1)} s in all)\n`);
  const rows = [['class', 'images', 'correct', 'accuracy', 'precision']];
  for (const r of report.perClass) {
    rows.push([r.class, String(r.count), String(r.correct), percent(r.accuracy), Number.isNaN(r.precision) ? '-' : percent(r.precision)]);
  }
  process.stdout.write(`${table(rows)}\nvalidation accuracy: ${percent(report.accuracy)}\n`);
  return 0;
}

async function predictCommand(lib, args) {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length < 2) throw new UsageError('predict takes a MODEL file and at least one IMAGE');
  const [modelPath, ...images] = positionals;
  const { data, transfer, init } = lib;
  await init();
  const loaded = await transfer.load(modelPath);
  const decoded = await Promise.all(images.map((p) => data.decodeNode(p).then((image) => ({ image }), (e) => ({ error: e }))));
  const good = decoded.filter((d) => d.image).map((d) => d.image);
  const predictions = good.length ? await transfer.predict(loaded.model, good) : [];
  let next = 0;
  let failed = false;
  const lines = images.map((p, i) => {
    const d = decoded[i];
    if (d.error) {
      failed = true;
      const reason = String(d.error instanceof Error ? d.error.message : d.error).replace(/\s+/g, ' ');
      return `${p}\terror: ${reason}`;
    }
    const pr = predictions[next++];
    return `${p}\t${pr.label}\t${pr.probability.toFixed(4)}`;
  });
  process.stdout.write(`${lines.join('\n')}\n`);
  return failed ? 1 : 0;
}

/** Runs the command line `args` on the library `lib`; resolves to the exit code. */
export async function main(args, lib) {
  const [command, ...rest] = args;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help' || rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(usage(lib));
      return command === undefined ? 2 : 0;
    }
    if (command === 'fit') return await fitCommand(lib, rest);
    if (command === 'predict') return await predictCommand(lib, rest);
    throw new UsageError(`unknown command ${JSON.stringify(command)}: fit or predict`);
  } catch (e) {
    if (e instanceof UsageError || (e instanceof TypeError && e.code?.startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`webgpu-tensor: ${e.message}\n(webgpu-tensor --help lists the commands and options)\n`);
      return 2;
    }
    process.stderr.write(`webgpu-tensor: ${e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e)}\n`);
    return 1;
  } finally {
    lib.shutdown?.();
  }
}

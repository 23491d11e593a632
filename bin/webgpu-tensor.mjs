#!/usr/bin/env node
// The `webgpu-tensor` command (package.json `bin`): `fit` a classifier on a folder of images, `predict` with it.
// The commands are in cli.mjs; this file finds the library they run on. From the npm package that is dist/,
// which the tarball carries. In a fresh clone dist/ is not built yet: the first run builds it once with the
// repository's own build (scripts/build-lib.mjs, the same one `npm pack` runs), printing to stderr so that
// stdout stays the command's. In a clone, a dist/ older than a file under src/ is built again the same way, so the
// command never runs stale code after an edit or a pull.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = new URL('../dist/index.js', import.meta.url);
const build = new URL('../scripts/build-lib.mjs', import.meta.url);
const src = new URL('../src/', import.meta.url);

/** The newest modification time of the files under src/ (a clone only; the package has no src/). */
function newestSource() {
  if (!existsSync(src)) return 0;
  const dir = fileURLToPath(src);
  return Math.max(0, ...readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => statSync(`${e.parentPath ?? e.path}/${e.name}`).mtimeMs));
}

const stale = existsSync(dist) && existsSync(build) && newestSource() > statSync(dist).mtimeMs;
if (!existsSync(dist) || stale) {
  if (!existsSync(build)) {
    console.error(`webgpu-tensor: ${fileURLToPath(dist)} is missing and there is no build script beside it; reinstall the package`);
    process.exit(2);
  }
  console.error(`webgpu-tensor: ${stale ? 'src/ changed since dist/ was built' : 'first run in this clone'}: building dist/ (npm run build:lib) …`);
  const r = spawnSync(process.execPath, [fileURLToPath(build)], { stdio: ['ignore', 2, 2] });
  if (r.status !== 0 || !existsSync(dist)) {
    console.error('webgpu-tensor: building dist/ failed (see above); run `npm install`, then `npm run build:lib`');
    process.exit(2);
  }
}

const { main } = await import('./cli.mjs');
process.exitCode = await main(process.argv.slice(2), await import(dist.href));

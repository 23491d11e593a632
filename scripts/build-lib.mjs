// `npm run build:lib`: the npm package's contents, src/ → dist/.
//
//   1. tsc (tsconfig.lib.json) emits one ES module and one .d.ts per source file, with relative `.ts`
//      import specifiers rewritten to `.js` (tsc does it in the JavaScript, this script in the .d.ts).
//      One file per module keeps bundlers' tree-shaking exact and lets package.json's `sideEffects` name
//      the single module that has side effects.
//   2. Each WGSL file becomes dist/shaders/<name>.wgsl.js, `export default "<code>"`, stripped of comments
//      and spaces (scripts/strip-wgsl.mjs; the engine compiles a kernel on its first dispatch, from this
//      string), and the `…/<name>.wgsl?raw` imports (vite's syntax, used in src/) are pointed at it.
//   3. esbuild drops the comments from the JavaScript (not from the .d.ts), keeping bundler annotations.
//   4. Checks that nothing in dist/ still needs a TS loader or vite, and prints the sizes.

import { spawnSync } from 'node:child_process';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { stripWgsl } from './strip-wgsl.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
const SHADERS = path.join(ROOT, 'src', 'shaders');

async function filesUnder(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else out.push(full);
  }
  return out;
}

async function main() {
  await rm(DIST, { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'tsconfig.lib.json')], {
    stdio: 'inherit',
  });
  if (tsc.status !== 0) throw new Error(`tsc -p tsconfig.lib.json failed (exit ${tsc.status})`);

  let wgslBefore = 0;
  let wgslAfter = 0;
  for (const name of (await readdir(SHADERS)).filter((f) => f.endsWith('.wgsl'))) {
    const code = await readFile(path.join(SHADERS, name), 'utf8');
    const stripped = stripWgsl(code);
    wgslBefore += code.length;
    wgslAfter += stripped.length;
    await writeFile(path.join(DIST, 'shaders', `${name}.js`), `export default ${JSON.stringify(stripped)};\n`);
  }

  const files = await filesUnder(DIST);
  const problems = [];
  for (const file of files.filter((f) => f.endsWith('.js'))) {
    const before = await readFile(file, 'utf8');
    // Comments go (the .d.ts files keep the documentation); esbuild keeps bundler annotations such as
    // @__NO_SIDE_EFFECTS__ and @vite-ignore.
    const { code } = await esbuild.transform(before.replace(/(['"])([^'"\n]*\.wgsl)\?raw\1/g, '$1$2.js$1'), {
      loader: 'js',
      format: 'esm',
      target: 'es2022',
      legalComments: 'none',
    });
    const after = code;
    if (after !== before) await writeFile(file, after);
    for (const m of after.matchAll(/(?:from\s*|import\s*\(\s*)(['"])([^'"\n]+)\1/g)) {
      const spec = m[2];
      if (/\.tsx?$|\?/.test(spec)) problems.push(`${path.relative(ROOT, file)} imports ${spec}`);
    }
  }
  // tsc rewrites `.ts` specifiers in the JavaScript only; the declarations get the same rewrite here.
  for (const file of files.filter((f) => f.endsWith('.d.ts'))) {
    const before = await readFile(file, 'utf8');
    let after = before.replace(/(['"])(\.{1,2}\/[^'"\n]*)\.ts\1/g, '$1$2.js$1');
    // tsc (5.9) drops the import of a class from a declaration file that also augments that class's module
    // (engine/methods.ts: `declare module './tensor.ts' { interface Tensor … }`), leaving `Tensor` unresolved
    // for consumers. Put it back (tests/package/run.mjs type-checks the declarations as consumers do).
    const augmented = /declare module '(\.{1,2}\/[^']+)' \{\s*(?:\/\/[^\n]*\s*)*interface (\w+)/.exec(after);
    if (augmented && !new RegExp(`import[^;]*\\b${augmented[2]}\\b[^;]*from`).test(after)) {
      after = `import type { ${augmented[2]} } from '${augmented[1]}';\n${after}`;
    }
    if (after !== before) await writeFile(file, after);
    // Only import specifiers count: a comment may well quote a file name ("conv.ts's versions").
    const tsImport = /(?:\bfrom\s*|\bimport\s*\(?\s*)(['"])[^'"\n]+(\.ts|\?raw)\1/;
    if (tsImport.test(after)) problems.push(`${path.relative(ROOT, file)} imports a .ts file or ?raw`);
  }
  // The declarations use WebGPU's types (GPUDevice, GPUBuffer): the entry points pull them in, so consumers
  // need no `types` entry of their own (the package depends on @webgpu/types).
  for (const entry of ['index.d.ts', 'core.d.ts']) {
    const file = path.join(DIST, entry);
    const text = await readFile(file, 'utf8').catch(() => null);
    if (text === null) continue;
    await writeFile(file, `/// <reference types="@webgpu/types" />\n${text}`);
  }
  if (problems.length > 0) throw new Error(`dist/ still needs a TS loader or vite:\n  ${problems.join('\n  ')}`);

  let bytes = 0;
  for (const f of await filesUnder(DIST)) bytes += (await readFile(f)).length;
  const count = (await filesUnder(DIST)).length;
  console.log(`dist/: ${count} files, ${(bytes / 1000).toFixed(1)} kB; WGSL ${(wgslBefore / 1000).toFixed(1)} kB → ${(wgslAfter / 1000).toFixed(1)} kB without comments`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}

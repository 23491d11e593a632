// `npm run test:package`: the npm package as its users get it. Packs the repo (`npm pack`, which builds
// dist/ through `prepack`), installs the tarball into fresh temporary projects and runs them:
//
//   node        plain Node 20 ESM with the `webgpu` package (Dawn; on a CPU-only machine over SwiftShader's
//               Vulkan driver): the README's Node example verbatim, init({ gpu: create([]) }) with the GPU
//               object left to the garbage collector, init() finding `webgpu` by itself, the core entry,
//               init() finding SwiftShader by itself (no VK_ICD_FILENAMES) and saying what to install when
//               the driver it is given loads nothing, and docs/transfer.md's transfer example verbatim on the
//               shipped trunk, which the tarball carries (pretrained/) and transfer.pretrainedDigits() loads
//   node-no-gpu a project without `webgpu`: init() says how to install it
//   cli         the `webgpu-tensor` command (package.json `bin`) through npx: --help names the strategies and
//               architectures; `fit` on Fashion-MNIST classes 0–4 (30 PNGs a class, tools/fashion-mnist.mjs)
//               with no VK_ICD_FILENAMES prints the per-class table and `validation accuracy: NN.N%` last, above a
//               floor; `predict` prints a line per image in order, an error line for a non-image, and exits 1
//   tsc-*       `tsc --noEmit` over a consumer file with NodeNext, Bundler + strict, and the vite template's flags
//   vite-dev    a vite app on vite's dev server, opened in headless Chromium; it also loads the shipped trunk
//   vite-build  the same app after `vite build`, served statically, in headless Chromium
//   bundle size small apps bundled against the built package stay within scripts/measure-bundle.mjs's BUDGETS
//
// The temporary projects take their other packages (vite, typescript, webgpu, @webgpu/types) from this
// repo's node_modules, as `file:` links, so no network is needed: `npm install --offline`.
// Prints one line per check and `N passed, N failed`; `--report <file>` also writes them as JSON (.ci/run).

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launchBrowser, REPO_ROOT } from '../../scripts/headless.mjs';
import { BUDGETS, measure } from '../../scripts/measure-bundle.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const reportArg = process.argv.indexOf('--report');
const reportFile = reportArg > 0 ? process.argv[reportArg + 1] : null;
const keep = process.argv.includes('--keep');

/** Runs a command; resolves to { code, out } (stdout + stderr), rejecting only on a spawn failure. */
function run(cmd, args, { cwd, env = {}, unset = [], timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const fullEnv = { ...process.env, ...env };
    for (const name of unset) delete fullEnv[name];
    const child = spawn(cmd, args, { cwd, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stdout = '';
    child.stdout.on('data', (d) => ((out += d), (stdout += d)));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => {
      out += `\n[killed after ${timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), signal, out, stdout });
    });
  });
}

async function must(cmd, args, options) {
  const r = await run(cmd, args, options);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}${r.signal ? ` (${r.signal})` : ''}:\n${r.out.slice(-4000)}`);
  return r.out;
}

const results = [];

async function check(name, fn) {
  const start = Date.now();
  try {
    const note = await fn();
    results.push({ name, status: 'passed', ms: Date.now() - start });
    console.log(`✓ ${name} (${((Date.now() - start) / 1000).toFixed(1)} s)${note ? `: ${note}` : ''}`);
  } catch (e) {
    results.push({ name, status: 'failed', ms: Date.now() - start, error: String(e instanceof Error ? e.message : e) });
    console.log(`✗ ${name} (${((Date.now() - start) / 1000).toFixed(1)} s)\n    ${String(e instanceof Error ? e.message : e).replace(/\n/g, '\n    ')}`);
  }
}

/** The package's own dependencies, linked into every project (npm resolves them from there, offline). */
const PACKAGE_DEPENDENCIES = Object.keys(JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')).dependencies ?? {});

/** A fresh project with the tarball and `links` (package names from this repo's node_modules). */
async function makeProject(root, name, tarball, links, files = {}) {
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true });
  const dependencies = { 'webgpu-tensor': `file:${tarball}` };
  for (const l of [...PACKAGE_DEPENDENCIES, ...links]) dependencies[l] = `file:${path.join(REPO_ROOT, 'node_modules', l)}`;
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module', dependencies }, null, 2));
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  await must('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, timeoutMs: 180_000 });
  return dir;
}

async function fixture(name) {
  return readFile(path.join(HERE, 'fixtures', name), 'utf8');
}

/**
 * Node with Dawn over SwiftShader. A crash is a failure; one retry only for a start-up flake recognised by
 * its message (Dawn/Vulkan failing to create the adapter), never for a crash after the engine started.
 */
async function runNodeApp(dir, script, { findDriver = false } = {}) {
  const env = existsSync(SWIFTSHADER_ICD) && !process.env.VK_ICD_FILENAMES && !findDriver ? { VK_ICD_FILENAMES: SWIFTSHADER_ICD } : {};
  const unset = findDriver ? ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES'] : [];
  for (let attempt = 1; ; attempt++) {
    const r = await run(process.execPath, ['--expose-gc', script], { cwd: dir, env, unset, timeoutMs: 120_000 });
    if (r.code === 0) return r.out;
    const startupFlake = !r.out.includes('adapter:') && /no WebGPU adapter was found|requestAdapter|vkCreateInstance|VK_ERROR_INITIALIZATION_FAILED/.test(r.out);
    if (attempt === 1 && startupFlake) {
      console.log(`  (retrying ${script}: start-up flake: ${r.out.trim().split('\n').pop()})`);
      continue;
    }
    throw new Error(`node ${script} exited ${r.code}${r.signal ? ` (${r.signal})` : ''}:\n${r.out.slice(-4000)}`);
  }
}

/** Serves `dir` over HTTP on a free port (for the vite build's output). */
async function serveStatic(dir) {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const file = path.join(dir, url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname));
    if (!file.startsWith(dir)) return void res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  // closeAllConnections: the browser keeps its sockets open, and close() alone would wait for them.
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => (server.close(r), server.closeAllConnections())) };
}

/** Opens `url` in headless Chromium and waits for the app to set window.__result or window.__error. */
async function openApp(browser, url) {
  const page = await browser.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e instanceof Error ? e.message : e}`));
  try {
    await page.goto(url, { waitUntil: 'load', timeout: 60_000 });
    await page.waitForFunction('window.__result !== undefined || window.__error !== undefined', { timeout: 90_000, polling: 100 });
    const { result, error } = await page.evaluate('({ result: window.__result, error: window.__error })');
    if (error !== undefined) throw new Error(`the app failed: ${error}\n${logs.join('\n')}`);
    return result;
  } catch (e) {
    if (e instanceof Error && !e.message.startsWith('the app failed')) e.message += `\n${logs.join('\n')}`;
    throw e;
  } finally {
    await page.close();
  }
}

const EXPECTED = '[[3],[7]]';

/** The shipped trunk's head bias, summed in absolute value to 4 decimals: what the vite app computes after loading it. */
async function shippedBiasSum() {
  const bytes = await readFile(path.join(REPO_ROOT, 'pretrained', 'digits-0to4.safetensors'));
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const entry = JSON.parse(bytes.toString('utf8', 8, 8 + headerLength))['classifier.1.bias'];
  const [begin, end] = entry.data_offsets;
  const data = bytes.subarray(8 + headerLength + begin, 8 + headerLength + end);
  let sum = 0;
  for (let i = 0; i < data.length; i += 4) sum += Math.abs(data.readFloatLE(i));
  return sum.toFixed(4);
}

/** docs/transfer.md's transfer block as a Node module: the names its text says it gets, defined first (as tests/gpu/readme.test.ts does). */
function transferBlockModule(block) {
  return `import * as E from 'webgpu-tensor';
await E.init();
const count = 32;
const noise = E.rand([count * 784], { seed: 3 });
const images = await noise.data();
noise.dispose();
const batches = [Array.from({ length: 16 }, (_, i) => i), Array.from({ length: 16 }, (_, i) => 16 + i)];
const labelsOf = (idx) => E.tensor(idx.map((i) => i % 3), [idx.length], { dtype: 'int32' });
${block}
E.shutdown();
`;
}

/** Accuracy floor of the packaged `fit` on 30 images a class (6 a class validate); 100 a class gives about 78% (docs/transfer.md). */
const CLI_FLOOR = 0.6;

/** The `webgpu-tensor` command from the installed tarball, through npx, in a project with `webgpu` and `sharp`. */
async function cliChecks(root, tarball) {
  const images = path.join(root, 'fashion');
  await must(process.execPath, [path.join(REPO_ROOT, 'tools', 'fashion-mnist.mjs'), '--folders', images, '--per-class', '30', '--classes', '0-4'], {
    cwd: REPO_ROOT, timeoutMs: 60_000,
  });
  await writeFile(path.join(images, 'not-an-image.png'), 'this is text');
  const dir = await makeProject(root, 'cli-app', tarball, ['webgpu', 'sharp']);
  const npx = (args, options = {}) => run('npm', ['exec', '--offline', '--', 'webgpu-tensor', ...args], { cwd: dir, timeoutMs: 300_000, ...options });
  await check('cli: npx webgpu-tensor --help names every strategy and architecture', async () => {
    const r = await npx(['--help']);
    if (r.code !== 0) throw new Error(`exited ${r.code}:\n${r.out}`);
    const names = ['from-scratch', 'feature-extraction', 'fine-tune-top', 'fine-tune-all', 'truncate-fine-tune', 'gradual-unfreezing',
      'resnet18', 'resnet34', 'mobilenet_v2', 'digits-cnn'];
    const missing = names.filter((n) => !r.stdout.includes(n));
    if (missing.length > 0) throw new Error(`--help lacks ${missing.join(', ')}:\n${r.stdout}`);
  });
  const model = path.join(dir, 'model.safetensors');
  await check(`cli: npx webgpu-tensor fit (shipped trunk, no VK_ICD_FILENAMES) prints the table and "validation accuracy" ≥ ${CLI_FLOOR * 100}% last`, async () => {
    const r = await npx(['fit', images, '--epochs', '5', '--seed', '0'], { unset: ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES'] });
    if (r.code !== 0) throw new Error(`exited ${r.code}:\n${r.out.slice(-4000)}`);
    const lines = r.stdout.trim().split('\n');
    const last = /^validation accuracy: (\d+\.\d)%$/.exec(lines.at(-1) ?? '');
    if (!last) throw new Error(`the last stdout line is not "validation accuracy: NN.N%":\n${r.stdout}`);
    for (const c of ['t-shirt-top', 'trouser', 'pullover', 'dress', 'coat']) {
      if (!lines.some((l) => l.startsWith(`${c} `))) throw new Error(`the per-class table has no row for ${c}:\n${r.stdout}`);
    }
    if (!/epoch 5\/5/.test(r.out) || /epoch \d/.test(r.stdout)) throw new Error(`progress is not on stderr alone:\n${r.out.slice(-3000)}`);
    if (!r.out.includes('not-an-image.png')) throw new Error(`the non-image in the folder was not named in a warning:\n${r.out.slice(-3000)}`);
    if (!existsSync(model)) throw new Error('no model.safetensors was written');
    if (Number(last[1]) < CLI_FLOOR * 100) throw new Error(`validation accuracy ${last[1]}% is under ${CLI_FLOOR * 100}%:\n${r.stdout}`);
    return `${last[1]}%`;
  });
  await check('cli: npx webgpu-tensor predict prints a line per image in order, an error line for a non-image, exit code 1', async () => {
    const args = ['fashion/trouser/0.png', 'fashion/not-an-image.png', 'fashion/coat/1.png'];
    const r = await npx(['predict', model, ...args.map((a) => path.join(root, a))]);
    const lines = r.stdout.trim().split('\n');
    const expected = [/^\S+trouser\/0\.png\t[a-z-]+\t[01]\.\d{4}$/, /^\S+not-an-image\.png\terror: .+$/, /^\S+coat\/1\.png\t[a-z-]+\t[01]\.\d{4}$/];
    if (r.code !== 1 || lines.length !== 3 || !expected.every((re, i) => re.test(lines[i]))) {
      throw new Error(`exit code ${r.code}, stdout:\n${r.stdout}\n${r.out.slice(-2000)}`);
    }
    if (lines[0].split('\t')[1] !== 'trouser') throw new Error(`a trouser was called ${lines[0].split('\t')[1]}:\n${r.stdout}`);
  });
}

async function main() {
  const root = await mkdtemp(path.join(tmpdir(), 'webgpu-tensor-package-'));
  let browser;
  try {
    let tarball = '';
    await check('npm pack (builds dist/ through prepack)', async () => {
      const out = await must('npm', ['pack', '--json', '--pack-destination', root], { cwd: REPO_ROOT, timeoutMs: 300_000 });
      const info = JSON.parse(out.slice(out.indexOf('[')))[0];
      tarball = path.join(root, info.filename);
      const files = info.files.map((f) => f.path);
      const shipped = (f) =>
        f.startsWith('dist/') ||
        ['bin/webgpu-tensor.mjs', 'bin/cli.mjs'].includes(f) ||
        /^docs\/[^/]+\.md$/.test(f) ||
        /^pretrained\/[^/]+\.(safetensors|json)$/.test(f) ||
        ['package.json', 'README.md', 'LICENSE'].includes(f);
      const outside = files.filter((f) => !shipped(f));
      if (outside.length > 0) {
        throw new Error(`the tarball holds files outside bin/, dist/, README.md, docs/*.md, pretrained/, LICENSE: ${outside.slice(0, 10).join(', ')}`);
      }
      if (!files.includes('docs/transfer.md')) throw new Error('the tarball lacks docs/*.md, the guides the README links to');
      for (const f of ['pretrained/digits-0to4.safetensors', 'pretrained/digits-0to4.json']) {
        if (!files.includes(f)) throw new Error(`the tarball lacks ${f}, the shipped trunk transfer.pretrainedDigits() loads`);
      }
      const raw = files.filter((f) => /\.(ts|wgsl)$/.test(f) && !f.endsWith('.d.ts'));
      if (raw.length > 0) throw new Error(`the tarball holds sources: ${raw.slice(0, 10).join(', ')}`);
      return `${(info.size / 1000).toFixed(1)} kB, ${info.entryCount} files`;
    });
    if (!tarball) return;

    // npm pack built dist/ in the repo, which measure() bundles against (scripts/measure-bundle.mjs).
    let sizes = null;
    for (const [app, budget] of Object.entries(BUDGETS)) {
      await check(`bundle size: ${app} within ${(budget / 1000).toFixed(1)} kB minified`, async () => {
        sizes ??= await measure();
        const size = sizes[app]?.minified;
        if (size === undefined) throw new Error(`scripts/measure-bundle.mjs has no app named ${app}`);
        if (size > budget) throw new Error(`${(size / 1000).toFixed(1)} kB minified, over the budget by ${size - budget} bytes (node scripts/measure-bundle.mjs --no-build shows every app)`);
        return `${(size / 1000).toFixed(1)} kB`;
      });
    }

    // The block after <!-- node --> in README.md, by its id (tests/harness/doc-blocks.ts; tests/unit/docs.test.ts checks it is named here).
    const [nodeFile, nodeName] = 'README.md#node'.split('#');
    const readmeNode = new RegExp(`<!-- ${nodeName} -->\\s*\`\`\`js\\n([\\s\\S]*?)\`\`\``).exec(await readFile(path.join(REPO_ROOT, nodeFile), 'utf8'));
    // The block after <!-- transfer --> in docs/transfer.md: the shipped trunk from the package, fine-tuned.
    const [transferFile, transferName] = 'docs/transfer.md#transfer'.split('#');
    const transferText = await readFile(path.join(REPO_ROOT, transferFile), 'utf8');
    const transferBlock = new RegExp(`<!-- ${transferName} -->[\\s\\S]*?\`\`\`ts\\n([\\s\\S]*?)\`\`\``).exec(transferText);
    const nodeDir = await makeProject(root, 'node-app', tarball, ['webgpu'], {
      'gc.mjs': await fixture('node-gc.mjs'),
      'auto.mjs': await fixture('node-auto.mjs'),
      'no-adapter.mjs': await fixture('node-no-adapter.mjs'),
      'readme.mjs': readmeNode?.[1] ?? '',
      'transfer.mjs': transferBlockModule(transferBlock?.[1] ?? ''),
    });
    await check("node: the README's Node example, verbatim, logs what its comment says", async () => {
      if (!readmeNode) throw new Error(`${nodeFile} has no \`\`\`js block after <!-- ${nodeName} -->`);
      const promised = /console\.log\(.*\);\s*\/\/ (.*)$/m.exec(readmeNode[1])?.[1];
      const out = await runNodeApp(nodeDir, 'readme.mjs');
      const squash = (t) => t.replace(/\s/g, '');
      if (!promised || !squash(out).includes(squash(promised))) throw new Error(`expected ${promised}, got:\n${out}`);
    });
    await check('node: init({ gpu: create([]) }) survives garbage collection; a small training step', async () => {
      const out = await runNodeApp(nodeDir, 'gc.mjs');
      if (!out.includes(`result: ${EXPECTED}`)) throw new Error(`unexpected output:\n${out}`);
      if (!/loss decreased: true/.test(out)) throw new Error(`the training step did not lower the loss:\n${out}`);
      return out.match(/adapter: .*/)?.[0];
    });
    await check('node: init() finds the webgpu package itself; webgpu-tensor/core', async () => {
      const out = await runNodeApp(nodeDir, 'auto.mjs');
      if (!out.includes(`result: ${EXPECTED}`) || !out.includes(`core: ${EXPECTED}`)) throw new Error(`unexpected output:\n${out}`);
    });

    await check('node: init() with no VK_ICD_FILENAMES finds a driver itself (SwiftShader where Chromium ships it, on a GPU-less machine)', async () => {
      const out = await runNodeApp(nodeDir, 'auto.mjs', { findDriver: true });
      if (!out.includes(`result: ${EXPECTED}`)) throw new Error(`unexpected output:\n${out}`);
      return out.match(/adapter: .*/)?.[0];
    });
    await check('node: a VK_ICD_FILENAMES that loads nothing: init() names it and says what to install', async () => {
      const out = await must(process.execPath, ['no-adapter.mjs'], { cwd: nodeDir, env: { VK_ICD_FILENAMES: '/nonexistent/icd.json' }, timeoutMs: 60_000 });
      const wanted = [
        'DeviceError: init: no WebGPU adapter was found',
        'VK_ICD_FILENAMES=/nonexistent/icd.json gave none',
        'mesa-vulkan-drivers',
        'vk_swiftshader_icd.json',
      ];
      const missing = wanted.filter((w) => !out.includes(w));
      if (missing.length > 0) throw new Error(`the message lacks ${missing.join(', ')}:\n${out}`);
    });
    await check("node: docs/transfer.md's transfer example, verbatim, on the shipped trunk from the tarball", async () => {
      if (!transferBlock) throw new Error(`${transferFile} has no \`\`\`ts block after <!-- ${transferName} -->`);
      const promised = /console\.log\(.*\);\s*\/\/ (.*)$/m.exec(transferBlock[1])?.[1];
      const out = await runNodeApp(nodeDir, 'transfer.mjs');
      if (!promised || !out.includes(promised)) throw new Error(`expected ${promised}, got:\n${out}`);
    });

    const bareDir = await makeProject(root, 'node-no-gpu', tarball, [], { 'missing.mjs': await fixture('node-missing.mjs') });
    await check('node without the webgpu package: init() says how to install it', async () => {
      const out = await must(process.execPath, ['missing.mjs'], { cwd: bareDir, timeoutMs: 60_000 });
      if (!out.includes('DeviceError: init: no WebGPU in this Node process: install the `webgpu` package (npm install webgpu)')) throw new Error(`unexpected output:\n${out}`);
    });

    await cliChecks(root, tarball);

    const consumer = await fixture('consumer.ts');
    const tsDir = await makeProject(root, 'ts-consumer', tarball, ['typescript', 'vite'], {
      'src/consumer.ts': consumer,
      'tsconfig.nodenext.json': await fixture('tsconfig.nodenext.json'),
      'tsconfig.bundler.json': await fixture('tsconfig.bundler.json'),
      'tsconfig.vite.json': await fixture('tsconfig.vite.json'),
    });
    for (const flavour of ['nodenext', 'bundler', 'vite']) {
      await check(`tsc --noEmit, ${flavour === 'nodenext' ? 'NodeNext' : flavour === 'bundler' ? 'Bundler + strict, no skipLibCheck' : "the vite template's flags"}`, async () => {
        await must(process.execPath, [path.join(tsDir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', `tsconfig.${flavour}.json`], { cwd: tsDir, timeoutMs: 180_000 });
      });
    }

    const viteDir = await makeProject(root, 'vite-app', tarball, ['vite'], {
      'index.html': await fixture('vite-index.html'),
      'src/main.js': await fixture('vite-main.js'),
    });
    const vite = await import(pathToFileURL(path.join(viteDir, 'node_modules', 'vite', 'dist', 'node', 'index.js')).href);
    browser = await launchBrowser();
    const withTrunk = `${EXPECTED} trunk ${await shippedBiasSum()}`;
    await check('vite dev server app in headless Chromium, with transfer.pretrainedDigits()', async () => {
      const server = await vite.createServer({ root: viteDir, configFile: false, logLevel: 'error', server: { host: '127.0.0.1', port: 0, hmr: false } });
      await server.listen();
      try {
        const { port } = server.httpServer.address();
        const result = await openApp(browser, `http://127.0.0.1:${port}/`);
        if (result !== withTrunk) throw new Error(`the app computed ${result}, expected ${withTrunk}`);
      } finally {
        await server.close();
      }
    });
    await check('vite build, served statically, in headless Chromium, with transfer.pretrainedDigits()', async () => {
      const start = Date.now();
      await vite.build({ root: viteDir, configFile: false, logLevel: 'error', build: { outDir: 'dist', target: 'es2022' } });
      const buildSeconds = (Date.now() - start) / 1000;
      const server = await serveStatic(path.join(viteDir, 'dist'));
      try {
        const result = await openApp(browser, server.url);
        if (result !== withTrunk) throw new Error(`the app computed ${result}, expected ${withTrunk}`);
      } finally {
        await server.close();
      }
      return `vite build ${buildSeconds.toFixed(1)} s`;
    });
  } finally {
    await browser?.close();
    if (!keep) await rm(root, { recursive: true, force: true });
    else console.log(`kept ${root}`);
  }
}

const failedToRun = await main().then(
  () => null,
  (e) => e,
);
if (failedToRun) results.push({ name: 'package tests (setup)', status: 'failed', ms: 0, error: String(failedToRun?.stack ?? failedToRun) });
if (failedToRun) console.log(`✗ package tests could not run: ${failedToRun?.stack ?? failedToRun}`);
const passed = results.filter((r) => r.status === 'passed').length;
const failed = results.length - passed;
if (reportFile) await writeFile(reportFile, JSON.stringify({ passed, failed, results }, null, 2));
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;


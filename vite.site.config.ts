import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { siteAssets } from './site/assets-plugin.ts';

// The site (site/*.html): `npm run dev` serves it, `npm run build:site` writes the static site to dist-site/
// (never dist/, the library's). Relative paths throughout (base './'), so the folder works from any static
// host or a subpath; the data the pages load (digits, the pretrained trunk, committed benchmark results) is
// served by the siteAssets plugin in dev and written beside the pages in the build.
const root = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: path.join(root, 'site'),
  base: './',
  publicDir: false,
  plugins: [siteAssets(root)],
  server: { host: '127.0.0.1', strictPort: false, hmr: false, fs: { allow: [root] } },
  preview: { host: '127.0.0.1' },
  build: {
    target: 'es2022',
    outDir: path.join(root, 'dist-site'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 4096,
    rollupOptions: {
      input: Object.fromEntries(['index', 'bench', 'kernels', 'studio'].map((p) => [p, path.join(root, 'site', `${p}.html`)])),
    },
  },
  logLevel: 'warn',
});

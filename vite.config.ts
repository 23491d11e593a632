import { defineConfig } from 'vite';

// One config serves the dev server that the headless runs (tests, npm start, bench) load pages from,
// and the library build. WGSL files are imported as strings with `?raw`.
export default defineConfig({
  server: { host: '127.0.0.1', strictPort: false, hmr: false },
  build: {
    target: 'es2022',
    lib: { entry: 'src/index.ts', formats: ['es'], fileName: 'index' },
  },
  logLevel: 'warn',
});

// Lint: TypeScript-aware rules for what type checking alone misses. The one that matters most for WebGPU
// code is no-floating-promises: a forgotten `await` on a readback or mapAsync is the classic bug.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'dist-site/', 'dist-gpu/', '.gpu/', 'bench/results/', 'tests/package/fixtures/'] },
  {
    files: ['src/**/*.ts', 'tests/**/*.ts', 'bench/**/*.ts', 'examples/**/*.ts', 'site/**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    // Some files carry directives for rules this config does not enable (e.g. no-explicit-any).
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // Lines stay at most 160 characters so a file reads in a side-by-side diff and review without sideways scrolling.
      // Only URLs may run over (they cannot be broken); long strings, comments and template literals are wrapped.
      // Core max-len is deprecated in ESLint 9 but still works, and spares a plugin dependency for one rule.
      'max-len': ['error', { code: 160, ignoreUrls: true }],
    },
  },
);

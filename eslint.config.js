import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      'packages/sdk-node/cjs/**',
      '**/node_modules/**',
      '.sillage/**',
      '.cache/**',
      'docker/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { project: ['./tsconfig.eslint.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    // The browser SDK: DOM types (its own tsconfig), tests with node types.
    files: ['packages/sdk-browser/src/**/*.ts'],
    languageOptions: {
      parserOptions: {
        project: ['./packages/sdk-browser/tsconfig.eslint.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    files: ['**/*.test.ts', 'tests/**/*.ts', 'bench/**', 'scripts/**', 'apps/sillage/src/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        Buffer: 'readonly',
        fetch: 'readonly',
        AbortSignal: 'readonly',
      },
    },
  },
  {
    // Code that runs in the page: the demo shop, and the page side of the SDK benchmark.
    files: ['apps/sillage/demo/**/*.js', 'bench/sdk-size.mjs'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'location',
          'history',
          'navigator',
          'localStorage',
          'sessionStorage',
          'addEventListener',
          'URLSearchParams',
          'performance',
          'crossOriginIsolated',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
)

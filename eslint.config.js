import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const focusedOrSkipped = ['it', 'test', 'describe', 'suite'].flatMap((object) =>
  ['only', 'skip', 'todo', 'skipIf', 'runIf'].map((property) => ({
    object,
    property,
    message: 'Focused, skipped or placeholder tests do not land: every test runs.',
  })),
);

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.serverless/', 'coverage/', 'reports/', '.venv/', '.cache/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      'no-restricted-properties': ['error', ...focusedOrSkipped],
    },
  },
  {
    // serverless.yml's variable resolvers: osls loads them with require(), so they are CommonJS.
    files: ['scripts/**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);

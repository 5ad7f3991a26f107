import js from '@eslint/js';
import vue from 'eslint-plugin-vue';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Layering (DESIGN §2), enforced here: common ← domain ← adapters ← app ← electron | web;
 * the renderer imports only common. A violating import fails `npm run lint`.
 */
const nodeBuiltins = { group: ['node:*'], message: 'common/ and domain/ are pure: no Node built-ins.' };
const noElectron = { name: 'electron', message: "Only src-main/electron and src-main/preload import 'electron'." };
const layer = (patterns: string[], message: string) => ({ group: patterns, message });

const PURE_ALLOWED_PACKAGES = ['zod', 'libphonenumber-js', 'libphonenumber-js/*'];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'bench/.data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
  },
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-control-regex': 'off',
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
    },
  },
  {
    // A promise nobody awaits is a write nobody waited for (an audit row, a counter): with the team store
    // every port is asynchronous, so the main process's code is checked for it with type information.
    files: ['src-main/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    ignores: ['test/unit/renderer/**'],
    languageOptions: { parserOptions: { project: ['./tsconfig.node.json'], tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    files: ['src-main/common/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            nodeBuiltins,
            layer(['../*', '!./*'], 'common/ imports only itself.'),
            {
              regex: `^(?!\\.|${PURE_ALLOWED_PACKAGES.map((p) => p.replace('/*', '(/.*)?')).join('|')}$).+`,
              message: 'common/ imports only zod (and itself).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src-main/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            nodeBuiltins,
            layer(['../adapters/*', '../adapters', '../app/*', '../electron/*', '../web/*', '../preload/*'], 'domain/ may import only common/.'),
            {
              regex: `^(?!\\.|${PURE_ALLOWED_PACKAGES.map((p) => p.replace('/*', '(/.*)?')).join('|')}$).+`,
              message: 'domain/ imports no adapter package (ldapts, better-sqlite3, keytar, …).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src-main/adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [noElectron], patterns: [layer(['**/app/*', '**/electron/*', '**/web/*', '**/preload/*'], 'adapters/ must not import app/, electron/, web/.')] },
      ],
    },
  },
  {
    files: ['src-main/app/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [noElectron], patterns: [layer(['**/electron/*', '**/web/*', '**/preload/*'], 'app/ must not import electron/, web/ or preload/.')] },
      ],
    },
  },
  {
    files: ['src-main/web/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [noElectron], patterns: [layer(['**/electron/*', '**/preload/*'], 'web/ must not import electron/.')] }],
    },
  },
  {
    // Raw ipcMain/ipcRenderer only in the typed wrappers.
    files: ['src-main/electron/**/*.ts'],
    ignores: ['src-main/electron/ipc.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "ImportSpecifier[imported.name='ipcMain']", message: 'Use registerIpc (electron/ipc.ts).' },
      ],
    },
  },
  {
    files: ['src-renderer/**/*.{ts,vue}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            nodeBuiltins,
            layer(['**/src-main/**', '../src-main/*'], 'The renderer imports only @common/*.'),
            { regex: '^@(?!common/)[^/]+/(domain|adapters|app|electron|web|preload)', message: 'The renderer imports only @common/*.' },
          ],
        },
      ],
    },
  },
);

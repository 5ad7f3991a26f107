import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';

const root = dirname(fileURLToPath(import.meta.url));

/**
 * Build targets per Electron major: the Node.js of its main process and the Chromium of its renderer.
 * electron-vite 6 has its own table, but it stops at Electron 44 and silently falls back to 44's
 * targets for any newer major, so they are set explicitly here, and an Electron major missing from
 * this table stops the build instead of guessing. Sources: Electron 45.x ships Chromium 156
 * (electron-to-chromium) and Node 24 (its DEPS; the npm package depends on @types/node 24); node24.18
 * is the Node of 43–44 and a lower bound for 45. Add a row when upgrading Electron.
 */
const ELECTRON_TARGETS: Record<string, { node: string; chrome: string }> = {
  '45': { node: 'node24.18', chrome: 'chrome156' },
};
const electronVersion = (JSON.parse(readFileSync(resolve(root, 'node_modules/electron/package.json'), 'utf8')) as { version: string }).version;
const targets = ELECTRON_TARGETS[electronVersion.split('.')[0] ?? ''];
if (!targets) {
  throw new Error(`electron.vite.config.ts: no build target for Electron ${electronVersion}; add its Node and Chrome versions to ELECTRON_TARGETS`);
}

export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin()],
    build: {
      target: targets.node,
      outDir: 'out/main',
      rollupOptions: {
        input: { main: resolve(root, 'src-main/electron/main.ts') },
        output: { format: 'es', entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    // A sandboxed preload cannot require anything but 'electron': bundle everything, as CommonJS.
    build: {
      // electron-vite requires a node target here; the sandboxed preload runs on the same V8 as main.
      target: targets.node,
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(root, 'src-main/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    resolve: { alias: { '@common': resolve(root, 'src-main/common') } },
    plugins: [vue()],
    build: {
      target: targets.chrome,
      outDir: resolve(root, 'out/renderer'),
      minify: true,
      rollupOptions: { input: { index: resolve(root, 'src-renderer/index.html') } },
    },
  },
});

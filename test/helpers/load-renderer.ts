/**
 * Loads a renderer module by its path under `src-renderer/src/`, at run time — only where a plain import
 * cannot be: an integration test under `tsconfig.node.json` (a composite project refuses files outside
 * its `include`, TS6307) reading the message tables, and a test that walks every store file. The
 * renderer's unit tests import the renderer for real (`tsconfig.renderer-tests.json` type-checks them).
 */
export async function loadRenderer<T>(path: string): Promise<T> {
  const specifier = `../../../src-renderer/src/${path}`;
  return (await import(/* @vite-ignore */ specifier)) as T;
}

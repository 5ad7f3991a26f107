/**
 * Loads a renderer module by its path under `src-renderer/src/`, at run time.
 *
 * Why not a plain import: `tsconfig.node.json` (which type-checks `test/**`) is a composite project,
 * and a composite project refuses to pull in files outside its `include` list (TS6307). The renderer
 * is type-checked by `tsconfig.web.json`; these tests check behaviour, so they state the shapes they
 * rely on and load the modules without making tsc follow the import.
 */
export async function loadRenderer<T>(path: string): Promise<T> {
  const specifier = `../../../src-renderer/src/${path}`;
  return (await import(/* @vite-ignore */ specifier)) as T;
}

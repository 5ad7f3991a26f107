/**
 * Dry validation of the packaging (electron-builder.ts, docs/packaging.md), without the Electron
 * binary and without packaging anything: CI runs it right after `npm run build`.
 *
 *   npx tsx scripts/check-packaging.ts                   every configured target (linux, win); the native
 *                                                        binaries are checked for this machine's platform
 *   npx tsx scripts/check-packaging.ts --target T        T = linux | win | host: before packaging for T
 *                                                        (`npm run dist*`): the native binaries in
 *                                                        node_modules must be T's (ELF / PE, x86-64)
 *   npx tsx scripts/check-packaging.ts --target T --verify-packaged
 *                                                        after electron-builder, on the packaging machine:
 *                                                        reads the fuses back from dist/<os>-unpacked's
 *                                                        executable and checks the unpacked layout
 *
 * Exit 0 when every check passes, 1 when one fails (each failure is printed with what to fix), 2 when
 * the check itself cannot run (no build, the configuration cannot be loaded).
 *
 * It uses electron-builder's own code wherever electron-builder decides something: the configuration
 * is loaded by app-builder-lib's `getConfig` (the same loader `electron-builder` uses) and validated by
 * its `validateConfiguration` (its JSON schema, scheme.json) and `checkMetadata` (package.json); which
 * files go into app.asar, which node_modules files are kept, which are unpacked and where
 * extraResources land are computed with its file matchers (`getMainFileMatchers`,
 * `getNodeModuleFileMatcher`, `getFileMatchers`) and its directory walker; which packages go into
 * node_modules comes from its npm collector (`getCollectorByPackageManager`); the fuse wire is the one
 * its `generateFuseConfig` would hand to @electron/fuses. Some of these are internal to
 * app-builder-lib; if a new version moves them this script stops with exit 2 and says which.
 *
 * What it cannot do: run electron-builder (it downloads the Electron zip, AppImage/NSIS/fpm tools), so
 * the installers themselves, signing and the flipped fuses are checked only on the packaging machine
 * (--verify-packaged, which `npm run dist*` runs after electron-builder).
 */
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Configuration } from 'electron-builder';
import { icoImages, pngSize } from './image-headers';

export type Target = 'linux' | 'win';
export const TARGETS: readonly Target[] = ['linux', 'win'];

/** The fuses and the value each must have (docs/packaging.md says why). */
export const REQUIRED_FUSES = {
  runAsNode: false,
  enableCookieEncryption: true,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
  loadBrowserProcessSpecificV8Snapshot: false,
  grantFileProtocolExtraPrivileges: false,
} as const;
/** electron-builder option name → @electron/fuses FuseV1Options member. */
const FUSE_WIRE_NAMES: Record<keyof typeof REQUIRED_FUSES, string> = {
  runAsNode: 'RunAsNode',
  enableCookieEncryption: 'EnableCookieEncryption',
  enableNodeOptionsEnvironmentVariable: 'EnableNodeOptionsEnvironmentVariable',
  enableNodeCliInspectArguments: 'EnableNodeCliInspectArguments',
  enableEmbeddedAsarIntegrityValidation: 'EnableEmbeddedAsarIntegrityValidation',
  onlyLoadAppFromAsar: 'OnlyLoadAppFromAsar',
  loadBrowserProcessSpecificV8Snapshot: 'LoadBrowserProcessSpecificV8Snapshot',
  grantFileProtocolExtraPrivileges: 'GrantFileProtocolExtraPrivileges',
};

/** The built files the app cannot start without (electron.vite.config.ts). */
export const BUILT_ENTRIES = ['out/main/main.js', 'out/preload/index.cjs', 'out/renderer/index.html'] as const;

/** Native modules and, per target, the binary that must be packaged (and unpacked from the asar). */
export const NATIVE_MODULES: Record<string, Record<Target, string>> = {
  'better-sqlite3': { linux: 'prebuilds/linux-x64.node', win: 'prebuilds/win32-x64.node' },
  keytar: { linux: 'build/Release/keytar.node', win: 'build/Release/keytar.node' },
};

/** Icons: PNG file → required pixel size; the Windows ICO must hold a 256 px image. */
export const REQUIRED_PNGS: Record<string, number> = {
  'resources/icons/512x512.png': 512,
  'resources/icons/256x256.png': 256,
};

export interface CheckResult {
  name: string;
  problems: string[];
}

export interface CheckOptions {
  /** The project: package.json, out/, resources/, node_modules/. */
  projectDir: string;
  /** Targets whose file selection is checked (default: linux and win). */
  targets?: readonly Target[];
  /** Check that node_modules' native binaries are built for this target (null: skip). */
  nativesFor?: Target | null;
}

/** Stops the run with exit 2: the check could not be made, which is not a pass. */
export class BrokenCheck extends Error {}

// ---------------------------------------------------------------------------------------------------
// electron-builder's own code

interface FileMatcherLike {
  readonly from: string;
  readonly to: string;
  readonly patterns: string[];
  isEmpty(): boolean;
  containsOnlyIgnore(): boolean;
  prependPattern(pattern: string): void;
  createFilter(): (file: string, stat: Stats) => boolean;
}
interface AppInfoLike {
  productName: string;
  sanitizedProductName: string;
  productFilename: string;
  name: string;
  version: string;
  channel: string | null;
  companyName: string | null;
}
interface BuilderInternals {
  version: string;
  getConfig(projectDir: string, configPath: string | null, configFromOptions: null): Promise<Configuration>;
  validateConfiguration(config: Configuration, debugLogger: unknown): Promise<void>;
  newDebugLogger(): unknown;
  checkMetadata(metadata: unknown, devMetadata: unknown, appPackageFile: string, devAppPackageFile: string): void;
  getMainFileMatchers(appDir: string, destination: string, macroExpander: (p: string) => string, platformOptions: object, platformPackager: object, outDir: string, isElectronCompile: boolean): FileMatcherLike[];
  getNodeModuleFileMatcher(appDir: string, destination: string, macroExpander: (p: string) => string, platformOptions: object, packagerInfo: object): FileMatcherLike;
  getFileMatchers(config: Configuration, name: 'extraResources' | 'asarUnpack', defaultDestination: string, options: object): FileMatcherLike[] | null;
  expandMacro(pattern: string, arch: string | null, appInfo: AppInfoLike, extra: Record<string, string>, isProductNameSanitized: boolean): string;
  walk(dir: string, filter: (file: string, stat: Stats) => boolean): Promise<string[]>;
  generateFuseConfig(fuses: object): Promise<Record<string, unknown>>;
  FuseV1Options: Record<string, number>;
  collectNodeModules(projectDir: string, packageName: string): Promise<ProductionModule[]>;
}

/** A package electron-builder would copy into the app's node_modules. */
export interface ProductionModule {
  name: string;
  version: string;
  dir: string;
}

interface CollectedModule {
  name: string;
  version: string;
  dir: string;
  dependencies?: CollectedModule[];
}

let internals: BuilderInternals | null = null;
const productionCache = new Map<string, Promise<ProductionModule[]>>();

/**
 * The production node_modules electron-builder would package for this project, collected once per
 * run, in the folder that really holds node_modules (a test's project links to the repository's).
 */
export function productionModules(projectDir: string): Promise<ProductionModule[]> {
  const owner = dirname(realpathSync(join(projectDir, 'node_modules')));
  let found = productionCache.get(owner);
  if (!found) {
    const pkg = readJson<PackageJson>(join(owner, 'package.json'));
    found = builderInternals().collectNodeModules(owner, pkg.name);
    productionCache.set(owner, found);
  }
  return found;
}

/** app-builder-lib's functions, resolved through electron-builder as it resolves them itself. */
export function builderInternals(): BuilderInternals {
  if (internals) return internals;
  const req = createRequire(import.meta.url);
  const ebPkg = req.resolve('electron-builder/package.json');
  const ablPkg = createRequire(ebPkg).resolve('app-builder-lib/package.json');
  const abl = createRequire(ablPkg);
  const load = (id: string): Record<string, unknown> => abl(id) as Record<string, unknown>;
  const pick = <T>(mod: Record<string, unknown>, id: string, name: string): T => {
    const v = mod[name];
    if (v === undefined || v === null) {
      throw new BrokenCheck(`app-builder-lib ${String((abl('./package.json') as { version: string }).version)}: ${id} has no '${name}' any more; update scripts/check-packaging.ts`);
    }
    return v as T;
  };
  // the package's entry first: its modules import one another in a cycle that only resolves from there
  const index = load('./out/index');
  const config = load('./out/util/config/config');
  const metadata = load('./out/util/packageMetadata');
  const matcher = load('./out/fileMatcher');
  const macro = load('./out/util/macroExpander');
  const util = createRequire(ablPkg)('builder-util') as Record<string, unknown>;
  const fuses = createRequire(ablPkg)('@electron/fuses') as Record<string, unknown>;
  const collectors = load('./out/node-module-collector');
  const { TmpDir } = createRequire(ablPkg)('temp-file') as { TmpDir: new (name: string) => { cleanup(): Promise<void> } };
  const getCollector = pick<(pm: string, dir: string, tmp: unknown) => { getNodeModules(o: { packageName: string }): Promise<{ nodeModules: CollectedModule[] }> }>(
    collectors,
    'out/node-module-collector',
    'getCollectorByPackageManager',
  );
  const DebugLogger = pick<new (enabled: boolean) => unknown>(util, 'builder-util', 'DebugLogger');
  const PlatformPackager = pick<{ prototype: Record<string, unknown> }>(index, 'app-builder-lib', 'PlatformPackager');
  const generateFuseConfig = PlatformPackager.prototype.generateFuseConfig;
  if (typeof generateFuseConfig !== 'function') throw new BrokenCheck('app-builder-lib: PlatformPackager has no generateFuseConfig any more; update scripts/check-packaging.ts');
  internals = {
    version: (abl('./package.json') as { version: string }).version,
    getConfig: pick(config, 'out/util/config/config', 'getConfig'),
    validateConfiguration: pick(config, 'out/util/config/config', 'validateConfiguration'),
    newDebugLogger: () => new DebugLogger(false),
    checkMetadata: pick(metadata, 'out/util/packageMetadata', 'checkMetadata'),
    getMainFileMatchers: pick(matcher, 'out/fileMatcher', 'getMainFileMatchers'),
    getNodeModuleFileMatcher: pick(matcher, 'out/fileMatcher', 'getNodeModuleFileMatcher'),
    getFileMatchers: pick(matcher, 'out/fileMatcher', 'getFileMatchers'),
    expandMacro: pick(macro, 'out/util/macroExpander', 'expandMacro'),
    walk: pick(util, 'builder-util', 'walk'),
    // It uses nothing of the packager: the same translation electron-builder does before flipping.
    generateFuseConfig: (f: object) => (generateFuseConfig as (f: object) => Promise<Record<string, unknown>>).call(null, f),
    FuseV1Options: pick(fuses, '@electron/fuses', 'FuseV1Options'),
    // The npm collector electron-builder uses (`npm list --omit dev …`, then its hoister).
    collectNodeModules: async (projectDir, packageName) => {
      const tmp = new TmpDir('check-packaging');
      try {
        const { nodeModules } = await getCollector('npm', projectDir, tmp).getNodeModules({ packageName });
        const flat: ProductionModule[] = [];
        const visit = (list: CollectedModule[]) => {
          for (const m of list) {
            flat.push({ name: m.name, version: m.version, dir: m.dir });
            if (m.dependencies) visit(m.dependencies);
          }
        };
        visit(nodeModules);
        return flat;
      } finally {
        await tmp.cleanup();
      }
    },
  };
  return internals;
}

/** The configuration exactly as `electron-builder` would load it (electron-builder.ts + defaults). */
export async function loadBuilderConfig(projectDir: string): Promise<Configuration> {
  return builderInternals().getConfig(projectDir, null, null);
}

// ---------------------------------------------------------------------------------------------------
// helpers

/** Sizes of the images in an ICO file (PNG entries measured from their header); -1 for a non-square one. */
export function icoSizes(ico: Buffer): number[] {
  return icoImages(ico).map((i) => (i.width === i.height ? i.width : -1));
}

/** The OS and CPU a native binary was built for, from its ELF or PE header. */
export function binaryFormat(bytes: Buffer): { os: Target | 'other'; x64: boolean } {
  if (bytes.length >= 20 && bytes.readUInt32BE(0) === 0x7f454c46) {
    // ELF: e_machine at 18 (little-endian for x86-64), 0x3e = x86-64
    return { os: 'linux', x64: bytes.readUInt16LE(18) === 0x3e };
  }
  if (bytes.length >= 64 && bytes.toString('latin1', 0, 2) === 'MZ') {
    const pe = bytes.readUInt32LE(0x3c);
    if (pe + 6 <= bytes.length && bytes.toString('latin1', pe, pe + 4) === 'PE\0\0') {
      return { os: 'win', x64: bytes.readUInt16LE(pe + 4) === 0x8664 };
    }
  }
  return { os: 'other', x64: false };
}

const posix = (p: string) => p.split(sep).join('/');
const hostTarget = (): Target | null => (process.platform === 'linux' ? 'linux' : process.platform === 'win32' ? 'win' : null);

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

function asArray<T>(v: T | T[] | null | undefined): T[] {
  return v == null ? [] : Array.isArray(v) ? v : [v];
}

/** Target names and archs of a platform's `target` option. */
function targetsOf(value: unknown): { target: string; arch: string[] }[] {
  return asArray(value as unknown[]).map((t) =>
    typeof t === 'string' ? { target: t, arch: [] } : { target: String((t as { target: unknown }).target), arch: asArray((t as { arch?: string | string[] }).arch) },
  );
}

interface PackageJson {
  name: string;
  version: string;
  main?: string;
  description?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

function appInfoOf(config: Configuration, pkg: PackageJson): AppInfoLike {
  const productName = config.productName ?? pkg.name;
  return {
    productName,
    sanitizedProductName: productName,
    productFilename: productName,
    name: pkg.name,
    version: pkg.version,
    channel: null,
    companyName: null,
  };
}

function macroExpanderFor(config: Configuration, pkg: PackageJson, target: Target): (p: string) => string {
  const { expandMacro } = builderInternals();
  const appInfo = appInfoOf(config, pkg);
  // As PlatformPackager.expandMacro with the file-pattern extra electron-builder passes.
  return (p) => expandMacro(p, 'x64', appInfo, { os: target, '/*': '{,/**/*}' }, true);
}

/** A stand-in for the PlatformPackager fields getMainFileMatchers reads (projectDir, config, …). */
function packagerFacade(config: Configuration, projectDir: string) {
  const info = {
    projectDir,
    config,
    buildResourcesDir: resolve(projectDir, config.directories?.buildResources ?? 'build'),
    isPrepackedAppAsar: false,
    debugLogger: { isEnabled: false, add() {} },
  };
  return { info };
}

const APP = sep === '/' ? '/APP' : 'C:\\APP'; // where app.asar's content would be
const RES = sep === '/' ? '/RESOURCES' : 'C:\\RESOURCES'; // process.resourcesPath

/** Files electron-builder would put into app.asar for a target (outside node_modules), relative to the app. */
export async function appFiles(config: Configuration, projectDir: string, target: Target): Promise<string[]> {
  const b = builderInternals();
  const pkg = readJson<PackageJson>(join(projectDir, 'package.json'));
  const platformOptions = (config[target] ?? {}) as object;
  const outDir = resolve(projectDir, config.directories?.output ?? 'dist');
  const matchers = b.getMainFileMatchers(projectDir, APP, macroExpanderFor(config, pkg, target), platformOptions, packagerFacade(config, projectDir), outDir, false);
  const files: string[] = [];
  for (const m of matchers) {
    if (m.isEmpty() || m.containsOnlyIgnore()) m.prependPattern('**/*'); // as copyFiles does
    const found = await b.walk(m.from, m.createFilter());
    for (const f of found) files.push(posix(relative(APP, join(m.to, relative(m.from, f)))));
  }
  return files.sort();
}

/** Would electron-builder keep this node_modules file for the target (the `!` patterns of `files`)? */
function nodeModuleFilter(config: Configuration, projectDir: string, target: Target): (rel: string) => boolean {
  const b = builderInternals();
  const pkg = readJson<PackageJson>(join(projectDir, 'package.json'));
  const matcher = b.getNodeModuleFileMatcher(projectDir, APP, macroExpanderFor(config, pkg, target), (config[target] ?? {}) as object, packagerFacade(config, projectDir).info);
  if (matcher.isEmpty()) return () => true;
  const filter = matcher.createFilter();
  return (rel) => {
    // as NodeModuleCopyHelper walks: every directory on the way must pass too
    const parts = rel.split('/');
    for (let i = 2; i <= parts.length; i++) {
      const p = join(projectDir, ...parts.slice(0, i));
      if (!filter(p, statSync(p))) return false;
    }
    return true;
  };
}

/** Would electron-builder unpack this file (path relative to the project, e.g. node_modules/x/y.node)? */
function unpackFilter(config: Configuration, projectDir: string, target: Target): (rel: string) => boolean {
  const b = builderInternals();
  const pkg = readJson<PackageJson>(join(projectDir, 'package.json'));
  const matchers = b.getFileMatchers(config, 'asarUnpack', APP, {
    macroExpander: macroExpanderFor(config, pkg, target),
    customBuildOptions: (config[target] ?? {}) as object,
    globalOutDir: resolve(projectDir, config.directories?.output ?? 'dist'),
    defaultSrc: projectDir,
  });
  const first = matchers?.[0];
  if (!first) return () => false;
  const filter = first.createFilter();
  return (rel) => {
    const p = join(projectDir, rel);
    return filter(p, statSync(p));
  };
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) visit(p);
      else out.push(p);
    }
  };
  if (existsSync(dir)) visit(dir);
  return out;
}

const BUILTINS = new Set(builtinModules);

/** Packages the built main process loads at run time (bare specifiers of out/main/main.js). */
export function bundleImports(projectDir: string): string[] {
  const code = readFileSync(join(projectDir, 'out/main/main.js'), 'utf8');
  const specifiers = new Set<string>();
  const patterns = [
    /\bfrom\s*["']([^"']+)["']/g, // import … from "x", export … from "x"
    /\bimport\s*["']([^"']+)["']/g, // import "x"
    /\bimport\(\s*["'`]([^"'`$]+)["'`]/g, // import("x")
    /\brequire\w*\(\s*["'`]([^"'`$]+)["'`]/gi, // require("x"), requireCjs("x")
    /\)\(\s*["'`]([^"'`$]+)["'`]\s*\)/g, // createRequire(import.meta.url)("x")
    /\.resolve\(\s*["'`]([^"'`$]+)/g, // requireCjs.resolve(`x/file`)
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) if (m[1]) specifiers.add(m[1]);
  const packages = new Set<string>();
  for (const spec of specifiers) {
    // only what can be a package specifier (the patterns also meet ordinary strings in the bundle)
    if (!/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(\/[\w.@/${}-]*)?$/i.test(spec)) continue;
    const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec);
    if (name === 'electron' || BUILTINS.has(name)) continue;
    packages.add(name);
  }
  return [...packages].sort();
}

/** Whether a package folder holds a compiled addon (its own nested node_modules are entries of their own). */
function hasNodeFile(dir: string): boolean {
  let found = nodeFileCache.get(dir);
  if (found === undefined) {
    found = readdirSync(dir).some((name) => {
      if (name === 'node_modules') return false;
      const st = lstatSync(join(dir, name));
      return st.isDirectory() ? hasNodeFile(join(dir, name)) : name.endsWith('.node');
    });
    nodeFileCache.set(dir, found);
  }
  return found;
}
const nodeFileCache = new Map<string, boolean>();

/** The subfolder of process.resourcesPath the built main process reads its resources from. */
export function resourcesSubdirOfBundle(projectDir: string): string | null {
  const main = join(projectDir, 'out/main/main.js');
  if (!existsSync(main)) return null;
  const m = /process\.resourcesPath\s*,\s*(["'`])([^"'`]+)\1/.exec(readFileSync(main, 'utf8'));
  return m?.[2] ?? null;
}

const VIETNAMESE = /[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]/i;
/** Three or more plain ASCII words in a row: the English part. */
const ENGLISH = /\b[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}\b/;

// ---------------------------------------------------------------------------------------------------
// the checks

/** Every check against a configuration object (as loaded by loadBuilderConfig, or a test's mutation). */
export async function checkPackaging(config: Configuration, options: CheckOptions): Promise<CheckResult[]> {
  const { projectDir } = options;
  const targets = options.targets ?? TARGETS;
  const b = builderInternals();
  const results: CheckResult[] = [];
  const check = async (name: string, fn: (problems: string[]) => void | Promise<void>) => {
    const problems: string[] = [];
    try {
      await fn(problems);
    } catch (err) {
      if (err instanceof BrokenCheck) throw err;
      problems.push(err instanceof Error ? err.message : String(err));
    }
    results.push({ name, problems });
  };
  const pkgFile = join(projectDir, 'package.json');
  const pkg = readJson<PackageJson>(pkgFile);

  await check(`schema: electron-builder ${b.version}'s validateConfiguration and checkMetadata accept it`, async (p) => {
    try {
      // ajv coerces types in place: validate a copy
      await b.validateConfiguration(structuredClone(config), b.newDebugLogger());
    } catch (err) {
      p.push(err instanceof Error ? err.message : String(err));
    }
    try {
      b.checkMetadata(pkg, pkg, pkgFile, pkgFile);
    } catch (err) {
      p.push(err instanceof Error ? err.message : String(err));
    }
  });

  await check('identity: appId and productName', (p) => {
    if (!config.appId || !/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$/i.test(config.appId)) p.push(`appId must be a reverse-DNS id (e.g. vn.gov.helpdesk), got ${JSON.stringify(config.appId)}`);
    if (!config.productName?.trim()) p.push('productName is not set');
    if (config.publish !== null) p.push('publish must be null: installers are handed to the agency, never uploaded');
  });

  await check('Windows: NSIS x64, assisted, per-machine', (p) => {
    const t = targetsOf(config.win?.target);
    const nsis = t.filter((x) => x.target === 'nsis');
    if (nsis.length === 0) p.push(`win.target must include nsis, got ${JSON.stringify(config.win?.target)}`);
    for (const x of nsis) if (x.arch.length !== 1 || x.arch[0] !== 'x64') p.push(`win nsis arch must be [x64], got ${JSON.stringify(x.arch)}`);
    if (config.nsis?.oneClick !== false) p.push('nsis.oneClick must be false (assisted installer)');
    if (config.nsis?.perMachine !== true) p.push('nsis.perMachine must be true (installed for all users, into Program Files)');
    if (config.nsis?.deleteAppDataOnUninstall === true) p.push('nsis.deleteAppDataOnUninstall must not be true: the audit database must survive an uninstall');
  });

  await check('Linux: AppImage and deb x64, category, maintainer, bilingual synopsis and description, deb needs libsecret', (p) => {
    const t = targetsOf(config.linux?.target);
    for (const want of ['AppImage', 'deb']) {
      const found = t.filter((x) => x.target === want);
      if (found.length === 0) p.push(`linux.target must include ${want}, got ${JSON.stringify(config.linux?.target)}`);
      for (const x of found) if (x.arch.length !== 1 || x.arch[0] !== 'x64') p.push(`linux ${want} arch must be [x64], got ${JSON.stringify(x.arch)}`);
    }
    if (!config.linux?.category) p.push('linux.category is not set');
    if (!/^[^<>]+ <[^@<>\s]+@[^@<>\s]+>$/.test(config.linux?.maintainer ?? '')) p.push(`linux.maintainer must be "Name <e-mail>", got ${JSON.stringify(config.linux?.maintainer)}`);
    for (const field of ['synopsis', 'description'] as const) {
      const text = config.linux?.[field] ?? '';
      if (!VIETNAMESE.test(text) || !ENGLISH.test(text)) p.push(`linux.${field} must be in Vietnamese and in English, got ${JSON.stringify(text.slice(0, 80))}`);
    }
    if (!asArray(config.deb?.depends).includes('libsecret-1-0')) p.push('deb.depends must include libsecret-1-0 (keytar loads libsecret at run time)');
  });

  await check('fuses: every required fuse set, as electron-builder would flip them', async (p) => {
    const fuses = (config.electronFuses ?? null) as Record<string, unknown> | null;
    if (!fuses) {
      p.push('electronFuses is not set');
      return;
    }
    for (const [name, want] of Object.entries(REQUIRED_FUSES)) {
      if (fuses[name] !== want) p.push(`electronFuses.${name} must be ${String(want)}, got ${JSON.stringify(fuses[name])}`);
    }
    // the two fuses only make sense with an asar whose integrity electron-builder records (in the exe
    // resources on Windows): without it the packaged app refuses to start
    if (config.asar === false) p.push('asar must not be false: OnlyLoadAppFromAsar would find no app');
    if ((config as { disableAsarIntegrity?: boolean }).disableAsarIntegrity === true) p.push('disableAsarIntegrity must not be true: EnableEmbeddedAsarIntegrityValidation needs the recorded hashes');
    const wire = await b.generateFuseConfig(fuses);
    for (const [name, wireName] of Object.entries(FUSE_WIRE_NAMES) as [keyof typeof REQUIRED_FUSES, string][]) {
      const index = b.FuseV1Options[wireName];
      if (index === undefined) {
        p.push(`@electron/fuses has no FuseV1Options.${wireName}`);
        continue;
      }
      if (wire[String(index)] !== REQUIRED_FUSES[name]) p.push(`the fuse wire electron-builder would write has ${wireName} = ${JSON.stringify(wire[String(index)])}`);
    }
  });

  await check('icons: PNG sizes, ICO with 256 px, referenced by win.icon and linux.icon', (p) => {
    for (const [file, size] of Object.entries(REQUIRED_PNGS)) {
      const abs = join(projectDir, file);
      if (!existsSync(abs)) {
        p.push(`${file} is missing (npm run icons)`);
        continue;
      }
      const { width, height } = pngSize(readFileSync(abs));
      if (width !== size || height !== size) p.push(`${file} is ${width}×${height}, must be ${size}×${size}`);
    }
    const linuxIcon = config.linux?.icon;
    if (!linuxIcon) p.push('linux.icon is not set');
    else {
      const abs = join(projectDir, linuxIcon);
      const pngs = existsSync(abs) && statSync(abs).isDirectory() ? readdirSync(abs).filter((f) => f.endsWith('.png')) : [];
      if (pngs.length === 0) p.push(`linux.icon ${linuxIcon} must be a folder of NxN.png files`);
      for (const f of pngs) {
        const m = /^(\d+)x(\d+)\.png$/.exec(f);
        if (!m) {
          p.push(`${linuxIcon}/${f}: electron-builder takes the size from the name (NxN.png)`);
          continue;
        }
        const { width, height } = pngSize(readFileSync(join(abs, f)));
        if (String(width) !== m[1] || String(height) !== m[2]) p.push(`${linuxIcon}/${f} is ${width}×${height}`);
      }
    }
    const winIcon = config.win?.icon;
    if (!winIcon?.endsWith('.ico') || !existsSync(join(projectDir, winIcon))) p.push(`win.icon must be an existing .ico, got ${JSON.stringify(winIcon)}`);
    else if (!icoSizes(readFileSync(join(projectDir, winIcon))).includes(256)) p.push(`${winIcon} has no 256×256 image`);
  });

  const missingBuild = BUILT_ENTRIES.filter((f) => !existsSync(join(projectDir, f)));
  if (missingBuild.length > 0) throw new BrokenCheck(`no build: ${missingBuild.join(', ')} missing; run npm run build first`);

  for (const target of targets) {
    await check(`${target}: app.asar holds the built out/ and package.json, no sources, tests or maps`, async (p) => {
      const files = await appFiles(config, projectDir, target);
      const wanted = [...BUILT_ENTRIES, 'package.json', ...(pkg.main ? [posix(pkg.main)] : [])];
      for (const f of wanted) if (!files.includes(f)) p.push(`${f} would not be packaged`);
      const bad = files.filter((f) => !(f === 'package.json' || f.startsWith('out/')) || /\.(map|ts|tsx|vue)$/.test(f));
      if (bad.length > 0) {
        // files of out/ by name, anything else by its top folder
        const groups = new Map<string, number>();
        for (const f of bad) {
          const key = f.startsWith('out/') || !f.includes('/') ? f : `${f.slice(0, f.indexOf('/'))}/`;
          groups.set(key, (groups.get(key) ?? 0) + 1);
        }
        const list = [...groups].map(([k, n]) => (k.endsWith('/') ? `${k} (${n} file${n === 1 ? '' : 's'})` : k));
        p.push(`would be packaged but must not: ${list.slice(0, 12).join(', ')}${list.length > 12 ? `, … (${bad.length} files in all)` : ''}`);
      }
    });

    await check(`${target}: native modules packaged, their .node files unpacked from app.asar`, async (p) => {
      const collected = new Set((await productionModules(projectDir)).map((m) => m.name));
      const keep = nodeModuleFilter(config, projectDir, target);
      const unpack = unpackFilter(config, projectDir, target);
      for (const [mod, perTarget] of Object.entries(NATIVE_MODULES)) {
        if (!pkg.dependencies?.[mod] || !collected.has(mod)) p.push(`${mod} must be a production dependency that electron-builder collects (only those are packaged)`);
        const required = `node_modules/${mod}/${perTarget[target]}`;
        if (!existsSync(join(projectDir, required))) {
          p.push(`${required} does not exist (npm ci)`);
          continue;
        }
        if (!keep(required)) p.push(`${required} would be left out of the package`);
        const natives = filesUnder(join(projectDir, 'node_modules', mod))
          .map((f) => posix(relative(projectDir, f)))
          .filter((f) => f.endsWith('.node') && !f.slice(`node_modules/${mod}/`.length).includes('node_modules/'));
        for (const f of natives) {
          if (keep(f) && !unpack(f)) p.push(`${f} is packaged but not matched by asarUnpack`);
        }
        // better-sqlite3 carries a prebuild for every OS and architecture: only the target's (x64) may ship
        const foreign = natives.filter((f) => f.includes('/prebuilds/') && !f.endsWith(`/prebuilds/${target === 'win' ? 'win32' : 'linux'}-x64.node`) && keep(f));
        if (foreign.length > 0) p.push(`other platforms' prebuilds would be packaged: ${foreign.join(', ')}`);
      }
    });

    await check(`${target}: extraResources puts resources/ where main.js reads it (process.resourcesPath/…)`, (p) => {
      const sub = resourcesSubdirOfBundle(projectDir);
      if (!sub) {
        p.push('out/main/main.js does not read join(process.resourcesPath, "<dir>") any more: update this check');
        return;
      }
      const matchers =
        b.getFileMatchers(config, 'extraResources', RES, {
          macroExpander: macroExpanderFor(config, pkg, target),
          customBuildOptions: (config[target] ?? {}) as object,
          globalOutDir: resolve(projectDir, config.directories?.output ?? 'dist'),
          defaultSrc: projectDir,
        }) ?? [];
      const resourceFiles = filesUnder(join(projectDir, 'resources'));
      if (resourceFiles.length === 0) p.push('resources/ is empty');
      const filters = matchers.map((m) => {
        if (m.isEmpty() || m.containsOnlyIgnore()) m.prependPattern('**/*');
        return { m, filter: m.createFilter() };
      });
      const missing: string[] = [];
      for (const file of resourceFiles) {
        const rel = posix(relative(join(projectDir, 'resources'), file));
        const expected = join(RES, sub, rel);
        const ok = filters.some(({ m, filter }) => {
          if (!(file + sep).startsWith(m.from + sep)) return false;
          // every directory on the way must pass, as copyDir walks
          const parts = relative(m.from, file).split(sep);
          for (let i = 1; i <= parts.length; i++) {
            const q = join(m.from, ...parts.slice(0, i));
            if (!filter(q, statSync(q))) return false;
          }
          return join(m.to, relative(m.from, file)) === expected;
        });
        if (!ok) missing.push(`resources/${rel}`);
      }
      if (missing.length > 0) p.push(`not copied to process.resourcesPath/${sub}/: ${missing.slice(0, 6).join(', ')}${missing.length > 6 ? ` (+${missing.length - 6})` : ''}`);
    });
  }

  await check("the main bundle's packages are exactly the production dependencies, all collected for packaging", async (p) => {
    const imports = bundleImports(projectDir);
    const deps = Object.keys(pkg.dependencies ?? {});
    const collected = new Set((await productionModules(projectDir)).map((m) => m.name));
    for (const name of imports) {
      if (!deps.includes(name)) p.push(`out/main/main.js loads ${name}, which is not in dependencies: it would be missing from the package`);
      else if (!collected.has(name)) p.push(`${name} is a dependency but electron-builder's collector would not package it (npm ci?)`);
    }
    for (const name of deps) {
      if (!imports.includes(name)) p.push(`${name} is in dependencies but the main bundle never loads it: a renderer-only package belongs in devDependencies (it is bundled into out/renderer)`);
    }
  });

  await check('native modules are N-API, so npmRebuild: false is right', async (p) => {
    if (config.npmRebuild !== false) p.push('npmRebuild must be false: the N-API binaries npm ci installed load in Electron as they are, and a rebuild would need a download');
    for (const mod of Object.keys(NATIVE_MODULES)) {
      const dir = join(projectDir, 'node_modules', mod);
      const modPkg = readJson<{ dependencies?: Record<string, string>; binary?: { napi_versions?: number[] } }>(join(dir, 'package.json'));
      const napi = Boolean(modPkg.dependencies?.['node-addon-api']) || (modPkg.binary?.napi_versions?.length ?? 0) > 0;
      if (!napi) p.push(`${mod} does not declare N-API (node-addon-api or binary.napi_versions): it must be rebuilt for Electron`);
    }
    // any other native module among what electron-builder would package
    for (const m of await productionModules(projectDir)) {
      if (m.name in NATIVE_MODULES) continue;
      const modPkg = readJson<{ scripts?: Record<string, string> }>(join(m.dir, 'package.json'));
      const installScript = ['preinstall', 'install', 'postinstall'].some((k) => modPkg.scripts?.[k]);
      if (existsSync(join(m.dir, 'binding.gyp')) || installScript || hasNodeFile(m.dir)) {
        p.push(`${m.name} (${relative(projectDir, m.dir)}) would be packaged and has native code or an install script: review it and add it to NATIVE_MODULES`);
      }
    }
  });

  const natives = options.nativesFor;
  if (natives) {
    await check(`native binaries in node_modules are built for ${natives} x64`, (p) => {
      for (const [mod, perTarget] of Object.entries(NATIVE_MODULES)) {
        const file = join(projectDir, 'node_modules', mod, perTarget[natives]);
        if (!existsSync(file)) {
          p.push(`node_modules/${mod}/${perTarget[natives]} does not exist`);
          continue;
        }
        const f = binaryFormat(readFileSync(file));
        if (f.os !== natives || !f.x64) {
          p.push(`node_modules/${mod}/${perTarget[natives]} is a ${f.os}${f.x64 ? ' x64' : ''} binary, not ${natives} x64: package for ${natives} on ${natives} after npm ci there`);
        }
      }
    });
  }
  return results;
}

/** After electron-builder on the packaging machine: the flipped fuses and the unpacked layout. */
export async function verifyPackaged(projectDir: string, config: Configuration, targets: readonly Target[] = TARGETS): Promise<CheckResult[]> {
  const pkg = readJson<PackageJson>(join(projectDir, 'package.json'));
  const outDir = resolve(projectDir, config.directories?.output ?? 'dist');
  const executables: Record<Target, string> = {
    linux: join(outDir, 'linux-unpacked', config.linux?.executableName ?? pkg.name),
    win: join(outDir, 'win-unpacked', `${config.productName ?? pkg.name}.exe`),
  };
  const results: CheckResult[] = [];
  const req = createRequire(import.meta.url);
  const { getCurrentFuseWire, FuseV1Options } = req('@electron/fuses') as {
    getCurrentFuseWire(path: string): Promise<Record<string, unknown>>;
    FuseV1Options: Record<string, number>;
  };
  const fuseState = (req('@electron/fuses/dist/constants') as { FuseState: Record<string, number> }).FuseState;
  for (const target of targets) {
    const exe = executables[target];
    if (!existsSync(exe)) {
      if (targets.length === 1) results.push({ name: `${target}: packaged app`, problems: [`${relative(projectDir, exe)} does not exist`] });
      continue;
    }
    const problems: string[] = [];
    const wire = await getCurrentFuseWire(exe);
    for (const [name, wireName] of Object.entries(FUSE_WIRE_NAMES) as [keyof typeof REQUIRED_FUSES, string][]) {
      const index = FuseV1Options[wireName];
      const state = index === undefined ? undefined : wire[String(index)];
      const want = REQUIRED_FUSES[name] ? fuseState.ENABLE : fuseState.DISABLE;
      if (state !== want) problems.push(`${relative(projectDir, exe)}: fuse ${wireName} is ${JSON.stringify(state)}, must be ${REQUIRED_FUSES[name] ? 'enabled' : 'disabled'}`);
    }
    const resources = join(dirname(exe), 'resources');
    if (!existsSync(join(resources, 'app.asar'))) problems.push('resources/app.asar is missing');
    if (existsSync(join(resources, 'app'))) problems.push('resources/app/ exists: OnlyLoadAppFromAsar would ignore it, but nothing should be there');
    const unpacked = filesUnder(join(resources, 'app.asar.unpacked')).map((f) => posix(relative(join(resources, 'app.asar.unpacked'), f)));
    for (const [mod, perTarget] of Object.entries(NATIVE_MODULES)) {
      if (!unpacked.includes(`node_modules/${mod}/${perTarget[target]}`)) problems.push(`app.asar.unpacked lacks node_modules/${mod}/${perTarget[target]}`);
    }
    const sub = resourcesSubdirOfBundle(projectDir) ?? 'resources';
    for (const entry of readdirSync(join(projectDir, 'resources'))) {
      if (!existsSync(join(resources, sub, entry))) problems.push(`resources/${sub}/${entry} is missing`);
    }
    results.push({ name: `${target}: packaged ${relative(projectDir, exe)} (fuses read back, layout)`, problems });
  }
  if (results.length === 0) results.push({ name: 'packaged app', problems: [`nothing packaged under ${relative(projectDir, outDir)}/ (linux-unpacked, win-unpacked)`] });
  return results;
}

export function report(results: CheckResult[]): { text: string; failed: number } {
  const lines: string[] = [];
  let failed = 0;
  for (const r of results) {
    if (r.problems.length === 0) lines.push(`  ok    ${r.name}`);
    else {
      failed++;
      lines.push(`  FAIL  ${r.name}`);
      for (const problem of r.problems) lines.push(`        - ${problem.split('\n').join('\n          ')}`);
    }
  }
  lines.push(failed === 0 ? `check-packaging: all ${results.length} checks ok` : `check-packaging: ${failed} of ${results.length} checks FAILED`);
  return { text: lines.join('\n'), failed };
}

async function main(argv: string[]): Promise<number> {
  const projectDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  let target: Target | 'host' | null = null;
  let verify = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--target') {
      const v = argv[++i];
      if (v !== 'linux' && v !== 'win' && v !== 'host') throw new BrokenCheck(`--target takes linux, win or host, got ${String(v)}`);
      target = v;
    } else if (a === '--verify-packaged') verify = true;
    else throw new BrokenCheck(`unknown argument ${a}`);
  }
  const config = await loadBuilderConfig(projectDir);
  let targets: readonly Target[] = TARGETS;
  let nativesFor: Target | null = hostTarget();
  if (target === 'host') {
    const host = hostTarget();
    if (!host) throw new BrokenCheck(`no packaging target is configured for ${process.platform}`);
    targets = [host];
    nativesFor = host;
  } else if (target) {
    targets = [target];
    nativesFor = target;
  }
  if (verify) {
    const { text, failed } = report(await verifyPackaged(projectDir, config, targets));
    console.log(text);
    return failed === 0 ? 0 : 1;
  }
  const { text, failed } = report(await checkPackaging(config, { projectDir, targets, nativesFor }));
  console.log(text);
  return failed === 0 ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`check-packaging: cannot check: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(2);
    },
  );
}

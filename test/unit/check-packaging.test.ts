import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Configuration } from 'electron-builder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { icoFromPngs } from '../../scripts/make-icons';
import { pngSize } from '../../scripts/image-headers';
import {
  BrokenCheck,
  REQUIRED_FUSES,
  binaryFormat,
  checkPackaging,
  icoSizes,
  loadBuilderConfig,
  verifyPackaged,
  type CheckOptions,
  type CheckResult,
} from '../../scripts/check-packaging';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
type Loose = Record<string, unknown>;

/**
 * A project as the packaging sees it after `npm run build`: the repository's package.json, lockfile,
 * resources/ and node_modules (linked), and a small out/ with the three entries — plus a source map
 * and a source file that must never be packaged.
 */
function makeFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'helpdesk-packaging-'));
  for (const f of ['package.json', 'package-lock.json']) cpSync(join(repo, f), join(dir, f));
  cpSync(join(repo, 'resources'), join(dir, 'resources'), { recursive: true });
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const write = (rel: string, text: string) => {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };
  write('out/main/main.js', fixtureMain());
  write('out/main/main.js.map', '{}');
  write('out/preload/index.cjs', '"use strict";\n');
  write('out/renderer/index.html', '<!doctype html>\n');
  write('src-main/electron/main.ts', '// source\n');
  write('test/unit/some.test.ts', '// test\n');
  return dir;
}

/** A main bundle loading every production dependency, as the real one does (static, createRequire, resolve). */
function fixtureMain(extra = '', without = ''): string {
  const deps = Object.keys((JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);
  const lines = deps.filter((d) => d !== without && d !== 'keytar' && d !== 'pdfmake').map((d, i) => `import * as m${i} from "${d}";`);
  if (without !== 'keytar') lines.push('const keytar = createRequire(import.meta.url)("keytar");');
  if (without !== 'pdfmake') lines.push('var requireCjs = createRequire(import.meta.url);', 'const pdf = requireCjs("pdfmake");', 'requireCjs.resolve(`pdfmake/fonts/Roboto/${file}`);');
  lines.push('const label = "from " + "x"; // an ordinary string is not an import');
  lines.push('const resourcesDir = app.isPackaged ? join(process.resourcesPath, "resources") : x;', extra);
  return lines.join('\n');
}

let fixture: string;
let config: Configuration;

beforeAll(async () => {
  fixture = makeFixture();
  config = await loadBuilderConfig(repo);
}, 60_000);

afterAll(() => {
  if (fixture) rmSync(fixture, { recursive: true, force: true });
});

/** The configuration with one change, made on a deep copy. */
function mutate(change: (c: Loose) => void): Configuration {
  const copy = structuredClone(config) as unknown as Loose;
  change(copy);
  return copy as unknown as Configuration;
}
const section = (c: Loose, key: string) => c[key] as Loose;

async function run(c: Configuration, options: Partial<CheckOptions> = {}): Promise<CheckResult[]> {
  return checkPackaging(c, { projectDir: fixture, nativesFor: null, ...options });
}
/** The names of the checks that failed. */
async function failing(c: Configuration, options: Partial<CheckOptions> = {}): Promise<string[]> {
  return (await run(c, options)).filter((r) => r.problems.length > 0).map((r) => r.name);
}
async function problemsOf(c: Configuration, namePart: string, options: Partial<CheckOptions> = {}): Promise<string> {
  return (await run(c, options))
    .filter((r) => r.name.includes(namePart))
    .flatMap((r) => r.problems)
    .join('\n');
}

describe('packaging check (scripts/check-packaging.ts)', () => {
  it('loads electron-builder.ts as electron-builder does (its loader, defaults merged)', () => {
    expect(config.appId).toBe('vn.gov.helpdesk');
    expect(config.directories?.output).toBe('dist');
  });

  it('passes the real electron-builder.ts on a built project, for both targets', async () => {
    const results = await run(config);
    expect(results.filter((r) => r.problems.length > 0)).toEqual([]);
    expect(results.map((r) => r.name)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('schema'),
        expect.stringContaining('fuses'),
        expect.stringContaining('linux: app.asar'),
        expect.stringContaining('win: app.asar'),
        expect.stringContaining('win: native modules'),
        expect.stringContaining('linux: extraResources'),
      ]),
    );
  }, 60_000);

  it("fails an option electron-builder's own schema rejects", async () => {
    const c = mutate((x) => {
      x.nsis = { ...section(x, 'nsis'), perMachineWrong: true };
    });
    expect(await failing(c)).toEqual([expect.stringContaining('schema')]);
    expect(await problemsOf(c, 'schema')).toMatch(/Invalid configuration object/);
  });

  it('fails without an appId or productName, or with publishing on', async () => {
    expect(await failing(mutate((x) => delete x.appId))).toEqual([expect.stringContaining('identity')]);
    expect(await failing(mutate((x) => (x.productName = ' ')))).toEqual([expect.stringContaining('identity')]);
    expect(await failing(mutate((x) => (x.publish = { provider: 'generic', url: 'https://example.invalid' })))).toEqual([expect.stringContaining('identity')]);
  });

  it('fails an NSIS installer that is one-click, per-user, not x64, or deletes the data on uninstall', async () => {
    for (const change of [
      (x: Loose) => (section(x, 'nsis').perMachine = false),
      (x: Loose) => (section(x, 'nsis').oneClick = true),
      (x: Loose) => (section(x, 'nsis').deleteAppDataOnUninstall = true),
      (x: Loose) => (section(x, 'win').target = [{ target: 'nsis', arch: ['x64', 'ia32'] }]),
      (x: Loose) => (section(x, 'win').target = [{ target: 'portable', arch: ['x64'] }]),
    ]) {
      expect(await failing(mutate(change))).toEqual([expect.stringContaining('Windows')]);
    }
  });

  it('fails Linux packaging without AppImage or deb, libsecret, a maintainer, or a bilingual text', async () => {
    for (const change of [
      (x: Loose) => (section(x, 'linux').target = [{ target: 'deb', arch: ['x64'] }]),
      (x: Loose) => (section(x, 'linux').target = [{ target: 'AppImage', arch: ['x64'] }]),
      (x: Loose) => (section(x, 'deb').depends = ['libgtk-3-0', 'libnss3']),
      (x: Loose) => delete section(x, 'linux').maintainer,
      (x: Loose) => delete section(x, 'linux').category,
      (x: Loose) => (section(x, 'linux').description = 'Account helpdesk for the hotline operators'),
      (x: Loose) => (section(x, 'linux').synopsis = 'Bàn trợ giúp tài khoản'),
    ]) {
      expect(await failing(mutate(change))).toEqual([expect.stringContaining('Linux')]);
    }
  });

  it('fails when any fuse is missing or has the wrong value', async () => {
    expect(Object.keys(REQUIRED_FUSES)).toHaveLength(8);
    for (const [name, want] of Object.entries(REQUIRED_FUSES)) {
      const flipped = mutate((x) => (section(x, 'electronFuses')[name] = !want));
      expect(await problemsOf(flipped, 'fuses')).toContain(`electronFuses.${name} must be ${String(want)}`);
      const missing = mutate((x) => delete section(x, 'electronFuses')[name]);
      expect(await failing(missing)).toEqual([expect.stringContaining('fuses')]);
    }
    expect(await failing(mutate((x) => delete x.electronFuses))).toEqual([expect.stringContaining('fuses')]);
    expect(await problemsOf(mutate((x) => (x.disableAsarIntegrity = true)), 'fuses')).toContain('disableAsarIntegrity must not be true');
    expect(await problemsOf(mutate((x) => (x.asar = false)), 'fuses')).toContain('asar must not be false');
  });

  it('fails icons of the wrong size, an ICO without 256 px, or a missing icon', async () => {
    const icons = join(fixture, 'resources/icons');
    const png512 = readFileSync(join(icons, '512x512.png'));
    const png256 = readFileSync(join(icons, '256x256.png'));
    const ico = readFileSync(join(icons, 'icon.ico'));
    try {
      writeFileSync(join(icons, '256x256.png'), png512);
      expect(await problemsOf(config, 'icons')).toContain('256x256.png is 512×512');
      writeFileSync(join(icons, '256x256.png'), png256);
      writeFileSync(join(icons, 'icon.ico'), icoFromPngs([readFileSync(join(icons, '32x32.png'))]));
      expect(await problemsOf(config, 'icons')).toContain('no 256×256 image');
    } finally {
      writeFileSync(join(icons, '256x256.png'), png256);
      writeFileSync(join(icons, 'icon.ico'), ico);
    }
    expect(await failing(mutate((x) => (section(x, 'win').icon = 'resources/icons/missing.ico')))).toEqual([expect.stringContaining('icons')]);
  });

  it('fails a file selection that leaks sources or maps, or misses a built entry', async () => {
    // a root-level `files` next to exclude-only platform ones (as getConfig normalizes them):
    // electron-builder would match the platform list with a `**` pattern and package the whole project
    const leaky = mutate((x) => {
      x.files = [{ filter: ['out/**', 'package.json', '!**/*.map'] }];
      section(x, 'linux').files = ['!**/node_modules/better-sqlite3/prebuilds/{darwin-arm64,darwin-x64,linux-arm64,linuxmusl-arm64,linuxmusl-x64,win32-arm64,win32-x64}.node'];
      section(x, 'win').files = ['!**/node_modules/better-sqlite3/prebuilds/{darwin-arm64,darwin-x64,linux-arm64,linux-x64,linuxmusl-arm64,linuxmusl-x64,win32-arm64}.node'];
    });
    expect(await failing(leaky)).toEqual([expect.stringContaining('linux: app.asar'), expect.stringContaining('win: app.asar')]);
    expect(await problemsOf(leaky, 'linux: app.asar')).toMatch(/src-main\/ \(1 file\).*test\/ \(1 file\)/);
    // a root-level `files` next to full platform ones: a second matcher without the platform's exclusions
    const twoLists = mutate((x) => (x.files = [{ filter: ['out/**', 'package.json'] }]));
    expect(await problemsOf(twoLists, 'linux: app.asar')).toContain('out/main/main.js.map');

    const maps = mutate((x) => (section(x, 'linux').files = (section(x, 'linux').files as string[]).filter((p) => p !== '!**/*.map')));
    expect(await problemsOf(maps, 'linux: app.asar')).toContain('out/main/main.js.map');

    const noPreload = mutate((x) => (section(x, 'win').files = (section(x, 'win').files as string[]).filter((p) => p !== 'out/preload/**')));
    expect(await problemsOf(noPreload, 'win: app.asar')).toContain('out/preload/index.cjs would not be packaged');
  });

  it('fails when a native .node file would stay inside app.asar, or other OSes’ prebuilds ship', async () => {
    expect(await problemsOf(mutate((x) => (x.asarUnpack = [])), 'linux: native')).toContain('keytar/build/Release/keytar.node is packaged but not matched by asarUnpack');
    const sqliteOnly = mutate((x) => (x.asarUnpack = ['**/node_modules/better-sqlite3/**/*.node']));
    const p = await problemsOf(sqliteOnly, 'win: native');
    expect(p).toContain('keytar.node is packaged but not matched');
    expect(p).not.toContain('better-sqlite3/prebuilds/win32-x64.node is packaged but not matched');
    const allPrebuilds = mutate((x) => (section(x, 'linux').files = (section(x, 'linux').files as string[]).filter((q) => !q.includes('/prebuilds/'))));
    expect(await problemsOf(allPrebuilds, 'linux: native')).toContain('prebuilds/win32-x64.node');
    // the target OS for another architecture (x64-only packages) counts as foreign too
    const arm = mutate((x) => (section(x, 'linux').files = (section(x, 'linux').files as string[]).map((q) => q.replace('linux-arm64,', ''))));
    expect(await problemsOf(arm, 'linux: native')).toContain('prebuilds/linux-arm64.node');
    const noTargetPrebuild = mutate((x) => (section(x, 'win').files = [...(section(x, 'win').files as string[]), '!**/node_modules/better-sqlite3/prebuilds/win32-*.node']));
    expect(await problemsOf(noTargetPrebuild, 'win: native')).toContain('prebuilds/win32-x64.node would be left out of the package');
  });

  it('fails when resources/ would not land in process.resourcesPath/resources', async () => {
    const elsewhere = mutate((x) => (x.extraResources = [{ from: 'resources', to: 'data', filter: ['**/*'] }]));
    expect(await failing(elsewhere)).toEqual([expect.stringContaining('linux: extraResources'), expect.stringContaining('win: extraResources')]);
    const noTemplates = mutate((x) => (x.extraResources = [{ from: 'resources', to: 'resources', filter: ['**/*', '!templates/**'] }]));
    expect(await problemsOf(noTemplates, 'linux: extraResources')).toContain('resources/templates/');
    expect(await failing(mutate((x) => delete x.extraResources))).toEqual(expect.arrayContaining([expect.stringContaining('extraResources')]));
  });

  it("fails when the main bundle loads a package that is not a production dependency, or a dependency is unused", async () => {
    const main = join(fixture, 'out/main/main.js');
    try {
      writeFileSync(main, fixtureMain('import { createApp } from "vue";'));
      expect(await failing(config)).toEqual([expect.stringContaining("main bundle's packages")]);
      expect(await problemsOf(config, 'main bundle')).toContain('out/main/main.js loads vue, which is not in dependencies');
      writeFileSync(main, fixtureMain('', 'nodemailer'));
      expect(await problemsOf(config, 'main bundle')).toContain('nodemailer is in dependencies but the main bundle never loads it');
    } finally {
      writeFileSync(main, fixtureMain());
    }
  });

  it('fails npmRebuild for N-API modules', async () => {
    expect(await failing(mutate((x) => (x.npmRebuild = true)))).toEqual([expect.stringContaining('N-API')]);
  });

  it("fails when node_modules' native binaries are not the target's (keytar built here is ELF)", async () => {
    expect(await failing(config, { nativesFor: 'linux', targets: ['linux'] })).toEqual([]);
    expect(await problemsOf(config, 'native binaries', { nativesFor: 'win', targets: ['win'] })).toMatch(/keytar\/build\/Release\/keytar\.node is a linux x64 binary, not win x64/);
  });

  it('after packaging, fails when there is no packaged app to read the fuses from', async () => {
    const results = await verifyPackaged(fixture, config, ['linux']);
    expect(results).toEqual([{ name: 'linux: packaged app', problems: [expect.stringContaining('dist/linux-unpacked/helpdesk does not exist')] }]);
  });

  it('stops as broken, not passed, without a build', async () => {
    rmSync(join(fixture, 'out/preload/index.cjs'));
    try {
      await expect(run(config)).rejects.toBeInstanceOf(BrokenCheck);
    } finally {
      writeFileSync(join(fixture, 'out/preload/index.cjs'), '"use strict";\n');
    }
  });
});

describe('docs/packaging.md', () => {
  it('lists every fuse with the value the check requires', () => {
    const doc = readFileSync(join(repo, 'docs/packaging.md'), 'utf8');
    for (const [name, want] of Object.entries(REQUIRED_FUSES)) {
      const wire = name.charAt(0).toUpperCase() + name.slice(1);
      expect(doc).toContain(`| \`${wire}\` | ${want ? 'on' : 'off'} |`);
    }
  });
});

describe('binary headers', () => {
  it('reads PNG and ICO sizes and ELF/PE machine types', () => {
    const png = readFileSync(join(repo, 'resources/icons/512x512.png'));
    expect(pngSize(png)).toEqual({ width: 512, height: 512 });
    expect(() => pngSize(Buffer.from('not a png at all, really'))).toThrow(/not a PNG/);
    expect(icoSizes(readFileSync(join(repo, 'resources/icons/icon.ico')))).toEqual([16, 24, 32, 48, 64, 128, 256]);

    const elf = Buffer.alloc(64);
    elf.writeUInt32BE(0x7f454c46, 0);
    elf.writeUInt16LE(0x3e, 18);
    expect(binaryFormat(elf)).toEqual({ os: 'linux', x64: true });
    elf.writeUInt16LE(0xb7, 18); // aarch64
    expect(binaryFormat(elf)).toEqual({ os: 'linux', x64: false });
    const pe = Buffer.alloc(256);
    pe.write('MZ', 0, 'latin1');
    pe.writeUInt32LE(0x80, 0x3c);
    pe.write('PE\0\0', 0x80, 'latin1');
    pe.writeUInt16LE(0x8664, 0x84);
    expect(binaryFormat(pe)).toEqual({ os: 'win', x64: true });
    expect(binaryFormat(Buffer.from('#!/bin/sh\n'))).toEqual({ os: 'other', x64: false });
  });
});

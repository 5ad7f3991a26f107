/**
 * electron-builder configuration: Windows NSIS (per-machine, x64), Linux AppImage and deb (x64).
 * How to build, and why each choice: docs/packaging.md. `npm run check:packaging` (CI, after the build)
 * validates this file with electron-builder's own schema and file matchers without packaging anything;
 * scripts/check-packaging.ts lists every rule. The installers need the Electron binary and the
 * packaging tools, which electron-builder downloads: `npm run dist` runs on a connected machine.
 */
import type { Configuration } from 'electron-builder';
import { APP_ID, PRODUCT_NAME } from './src-main/electron/identity';

const SYNOPSIS = 'Bàn trợ giúp tài khoản / account helpdesk for hotline operators';
const DESCRIPTION = [
  'Bàn trợ giúp tài khoản cho cán bộ CNTT và tổng đài viên của cơ quan nhà nước: tra cứu tài khoản trong thư mục',
  '(OpenLDAP, Active Directory, Zimbra), xác minh người gọi bằng mã dùng một lần gửi tới số di động hoặc e-mail đã',
  'đăng ký, mở khóa, đặt lại mật khẩu tạm thời, đổi thông tin khôi phục; mọi bước được ghi nhật ký kiểm tra.',
  '',
  'Account helpdesk for the IT officers and hotline operators of government agencies: find the account in the',
  'directory (OpenLDAP, Active Directory, Zimbra), verify the caller with a one-time code sent to the registered',
  'mobile or e-mail, unlock, reset to a temporary password, change recovery contacts; every step is audited.',
].join('\n');

/** better-sqlite3's prebuilds (node_modules/better-sqlite3/prebuilds/<name>.node): one ships, for its target. */
const PREBUILDS = ['darwin-arm64', 'darwin-x64', 'linux-arm64', 'linux-x64', 'linuxmusl-arm64', 'linuxmusl-x64', 'win32-arm64', 'win32-x64'];

/**
 * What goes into app.asar: the built bundle and package.json only (no sources, tests, maps).
 * Production dependencies (node_modules) are added by electron-builder itself; only the `!` patterns
 * apply to them. Given per platform, with every better-sqlite3 prebuild but the target's (OS and x64) left out.
 * Never add a root-level `files` as well: electron-builder then matches the two lists separately, the
 * root one without the platform's exclusions, and an exclude-only platform list gets a match-everything
 * pattern, which packages the whole project (scripts/check-packaging.ts fails on both).
 */
function appFiles(keptPrebuild: 'linux-x64' | 'win32-x64'): string[] {
  const others = PREBUILDS.filter((p) => p !== keptPrebuild).join(',');
  return [
    'out/main/**',
    'out/preload/**',
    'out/renderer/**',
    'package.json',
    '!**/*.map',
    // better-sqlite3 ships the SQLite amalgamation and its C++ sources (~10 MB): never loaded.
    '!**/node_modules/better-sqlite3/{deps,src}/**',
    '!**/node_modules/better-sqlite3/binding.gyp',
    // …and a prebuilt binary for every OS and architecture (~2 MB each): keep only the target's.
    `!**/node_modules/better-sqlite3/prebuilds/{${others}}.node`,
  ];
}

const config: Configuration = {
  appId: APP_ID, // also the seed of the Windows uninstall GUID: never change it between releases
  productName: PRODUCT_NAME,
  copyright: 'Copyright © 2026 Helpdesk',
  directories: { output: 'dist' },
  publish: null, // nothing is uploaded anywhere

  // What goes into app.asar: appFiles above, per platform (win.files, linux.files); no `files` here.
  asar: true,
  // Native addons cannot be loaded from inside an archive: every .node file (better-sqlite3's
  // prebuilds, keytar's build/Release/keytar.node) goes to app.asar.unpacked, where Electron's
  // require finds it transparently.
  asarUnpack: ['**/*.node'],
  // Runtime data read by src-main/electron/main.ts from join(process.resourcesPath, 'resources'):
  // LDAP schemas, message templates, training directory, icons.
  extraResources: [{ from: 'resources', to: 'resources', filter: ['**/*'] }],
  // Both native modules are N-API (better-sqlite3 13: node-addon-api with prebuilds for every platform in
  // the npm package; keytar 7: N-API v3, built by `npm ci`): the binaries `npm ci` installed load in
  // Electron's Node as they are, so nothing is rebuilt against Electron's headers (which would need a
  // download). They must match the target OS: build Windows installers on Windows (docs/packaging.md).
  npmRebuild: false,
  nodeGypRebuild: false,
  buildDependenciesFromSource: false,
  electronLanguages: ['vi', 'en-US'],

  // https://www.electronjs.org/docs/latest/tutorial/fuses — docs/packaging.md says why each is set.
  electronFuses: {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    loadBrowserProcessSpecificV8Snapshot: false,
    grantFileProtocolExtraPrivileges: false,
  },

  win: {
    target: [{ target: 'nsis', arch: ['x64'] }],
    icon: 'resources/icons/icon.ico',
    files: appFiles('win32-x64'),
    // Code signing is left to the agency (docs/packaging.md): no certificate is configured here.
  },
  nsis: {
    oneClick: false,
    perMachine: true, // always "for all users", into Program Files, with elevation
    allowElevation: true,
    // Fixed to Program Files, which only administrators can write: a per-machine app in a folder users
    // can write would let any user replace the code every other user runs. Silent installs by IT can
    // still pass /D=<folder>.
    allowToChangeInstallationDirectory: false,
    deleteAppDataOnUninstall: false, // the audit database must survive an uninstall
    createDesktopShortcut: true,
    createStartMenuShortcut: true,
    shortcutName: PRODUCT_NAME,
    installerLanguages: ['vi_VN', 'en_US'],
    language: '1066', // Vietnamese when the OS language is neither
    artifactName: '${productName}-Setup-${version}-${arch}.${ext}',
  },

  linux: {
    target: [
      { target: 'AppImage', arch: ['x64'] },
      { target: 'deb', arch: ['x64'] },
    ],
    icon: 'resources/icons', // the NxN.png set
    executableName: 'helpdesk',
    category: 'Office',
    maintainer: 'Helpdesk <helpdesk@example.invalid>', // set the agency's team and address before release
    vendor: PRODUCT_NAME,
    synopsis: SYNOPSIS,
    description: DESCRIPTION,
    desktop: {
      entry: {
        Name: PRODUCT_NAME,
        'GenericName[vi]': 'Bàn trợ giúp tài khoản',
        GenericName: 'Account helpdesk',
        'Comment[vi]': 'Tra cứu, xác minh người gọi, mở khóa và đặt lại mật khẩu tài khoản',
        Comment: 'Find accounts, verify callers, unlock and reset passwords',
        Keywords: 'helpdesk;ldap;password;unlock;tài khoản;mật khẩu;',
      },
    },
    files: appFiles('linux-x64'),
  },
  deb: {
    // electron-builder's default list (it already names libsecret-1-0) spelled out, so the keychain
    // library keytar links against is a declared dependency whatever the default becomes.
    depends: ['libgtk-3-0', 'libnotify4', 'libnss3', 'libxss1', 'libxtst6', 'xdg-utils', 'libatspi2.0-0', 'libuuid1', 'libsecret-1-0'],
    // A Secret Service provider is needed at run time for the OS keychain.
    recommends: ['gnome-keyring'],
    priority: 'optional',
    packageCategory: 'utils',
  },
};

export default config;

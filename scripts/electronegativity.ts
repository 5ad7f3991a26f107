/**
 * Electronegativity gate for the built app (docs/electron-security.md).
 *
 *   npx tsx scripts/electronegativity.ts            scan out/ (run `npm run build` first), write
 *                                                   test-results/electronegativity.sarif, judge it
 *   npx tsx scripts/electronegativity.ts --evaluate FILE   judge an existing SARIF file only
 *
 * Exit codes: 0 no finding of severity MEDIUM or higher; 1 at least one; 2 the run is broken (no
 * build, SARIF missing or unreadable, a file the tool could not parse, a check the tool does not
 * know): a broken run never counts as clean.
 *
 * Why not the `electronegativity` CLI and its exit code:
 * - The CLI exits 0 whatever it finds.
 * - Its SARIF carries no severity and no confidence: every result has `level` "warning", or "note"
 *   when the check asks for manual review (dist/util/file.js, writeIssues). So this script runs the
 *   tool's documented programmatic entry (the same `run()` the CLI calls, with the same options),
 *   lets the tool write its SARIF, and writes each finding's severity and confidence, from the
 *   tool's own result objects, into that result's `properties`. The gate then reads only the SARIF.
 * - With an output file the CLI drops parse errors silently: a file that does not parse is simply
 *   not analysed. Here they are written into the SARIF (invocation notifications) and fail the run.
 *
 * Input: a staged copy of out/main, out/preload, out/renderer and package.json, paths kept as in the
 * repository. The built bundle is what Electron runs, and it includes the compiled Vue templates the
 * tool cannot read from .vue sources. The tool only reads .js/.jsx/.ts/.tsx/.html/.htm files and
 * package.json, so the preload (`index.cjs`) is staged as `index.cjs.js` and reported under its
 * real name. Findings in out/main and out/preload are given a best-effort source file and line.
 *
 * Offline and reproducible: the tool's HTTP client (`got`) is replaced by one that always fails, so
 * the tool neither downloads translations at start-up nor anything else; the one check that needs
 * the network is excluded with a reason (EXCLUDED_CHECKS, docs/electron-security.md).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const SEVERITIES = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH'] as const;
export type Severity = (typeof SEVERITIES)[number];
/** Findings of this severity or higher fail the gate, whatever their confidence. */
export const FAIL_AT: Severity = 'MEDIUM';

export interface Exclusion {
  /** The check's id, as in SARIF `ruleId`. */
  id: string;
  reason: string;
}

/**
 * Checks not run, each with its reason; docs/electron-security.md says the same in more words and
 * a unit test keeps the two in step. Exclude a check only after reading what it flags in this app.
 */
export const EXCLUDED_CHECKS: readonly Exclusion[] = [
  {
    id: 'AVAILABLE_SECURITY_FIXES_GLOBAL_CHECK',
    reason:
      "downloads Electron's release list from GitHub at run time (cached in the OS temp dir); CI is offline, so it would " +
      'either do nothing or judge by a stale cached list. Electron currency is checklist item 16 in docs/electron-security.md.',
  },
  {
    id: 'PRELOAD_JS_CHECK',
    reason:
      'flags every `preload:` for manual review. Reviewed: the preload (src-main/preload/index.ts) runs sandboxed and ' +
      'exposes only frozen functions that invoke the manifest channels, never ipcRenderer itself.',
  },
  {
    id: 'AUXCLICK_JS_CHECK',
    reason:
      "flags every BrowserWindow without disableBlinkFeatures: 'Auxclick'. A middle click can only open a window " +
      'through the window-open handler, which denies every window (src-main/electron/main.ts, setWindowOpenHandler).',
  },
];

export interface Finding {
  rule: string;
  severity: Severity | 'UNKNOWN';
  confidence: string;
  manualReview: boolean;
  /** Repository-relative path, or '(app-wide)' for global checks that point at no file. */
  file: string;
  line: number;
  column: number;
  message: string;
  /** Best-effort source location of a bundle finding, e.g. `src-main/electron/main.ts:51`. */
  source?: string;
}

export interface Verdict {
  findings: Finding[];
  /** Findings at FAIL_AT or above, plus any whose severity is unknown (fail closed). */
  failing: Finding[];
  /** Why the run cannot be trusted; non-empty means exit 2. */
  broken: string[];
}

export class SarifError extends Error {}

const rank = (s: Severity | 'UNKNOWN'): number => (s === 'UNKNOWN' ? Number.POSITIVE_INFINITY : SEVERITIES.indexOf(s));

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toSeverity(v: unknown): Severity | 'UNKNOWN' {
  const s = typeof v === 'string' ? v.toUpperCase() : '';
  return (SEVERITIES as readonly string[]).includes(s) ? (s as Severity) : 'UNKNOWN';
}

/**
 * Judges an Electronegativity SARIF log as written by this script. Severity comes from
 * `result.properties.severity`; a result without one (for instance the tool's own, unenriched
 * SARIF) counts as failing. Throws SarifError when the document is not such a log.
 */
export function evaluateSarif(doc: unknown): Verdict {
  if (!isRecord(doc) || doc.version !== '2.1.0' || !Array.isArray(doc.runs) || doc.runs.length === 0) {
    throw new SarifError('not a SARIF 2.1.0 log with at least one run');
  }
  const findings: Finding[] = [];
  const broken: string[] = [];
  for (const run of doc.runs as unknown[]) {
    if (!isRecord(run) || !Array.isArray(run.results)) throw new SarifError('a run has no results array');
    const driver = isRecord(run.tool) && isRecord(run.tool.driver) ? run.tool.driver : undefined;
    if (driver?.name !== 'Electronegativity') throw new SarifError(`not an Electronegativity run (tool: ${String(driver?.name)})`);
    for (const inv of Array.isArray(run.invocations) ? (run.invocations as unknown[]) : []) {
      if (!isRecord(inv) || inv.executionSuccessful !== false) continue;
      const notes = Array.isArray(inv.toolExecutionNotifications) ? (inv.toolExecutionNotifications as unknown[]) : [];
      const texts = notes
        .filter((n): n is Record<string, unknown> => isRecord(n) && n.level === 'error')
        .map((n) => {
          const where = firstUri(n.locations);
          const text = isRecord(n.message) ? String(n.message.text) : 'unknown error';
          return where ? `${where}: ${text}` : text;
        });
      broken.push(...(texts.length > 0 ? texts : ['the tool reported an unsuccessful execution']));
    }
    if (isRecord(run.properties) && run.properties.filesScanned === 0) broken.push('no file was scanned');
    for (const r of run.results as unknown[]) {
      if (!isRecord(r) || typeof r.ruleId !== 'string') throw new SarifError('a result has no ruleId');
      const props = isRecord(r.properties) ? r.properties : {};
      const loc = Array.isArray(r.locations) && isRecord(r.locations[0]) ? r.locations[0] : {};
      const phys = isRecord(loc.physicalLocation) ? loc.physicalLocation : {};
      const uri = isRecord(phys.artifactLocation) ? String(phys.artifactLocation.uri ?? '') : '';
      const region = isRecord(phys.region) ? phys.region : {};
      findings.push({
        rule: r.ruleId,
        severity: toSeverity(props.severity),
        confidence: typeof props.confidence === 'string' ? props.confidence : 'UNKNOWN',
        manualReview: props.manualReview === true,
        file: uri === '' || uri === 'file:///' ? '(app-wide)' : uri,
        line: typeof region.startLine === 'number' ? region.startLine : 1,
        column: typeof region.startColumn === 'number' ? region.startColumn : 1,
        message: isRecord(r.message) ? String(r.message.text ?? '') : '',
        ...(typeof props.source === 'string' ? { source: props.source } : {}),
      });
    }
  }
  findings.sort((a, b) => rank(b.severity) - rank(a.severity) || a.rule.localeCompare(b.rule) || a.file.localeCompare(b.file) || a.line - b.line);
  const failing = findings.filter((f) => rank(f.severity) >= rank(FAIL_AT));
  return { findings, failing, broken };
}

function firstUri(locations: unknown): string | undefined {
  if (!Array.isArray(locations) || !isRecord(locations[0])) return undefined;
  const phys = locations[0].physicalLocation;
  if (!isRecord(phys) || !isRecord(phys.artifactLocation)) return undefined;
  return typeof phys.artifactLocation.uri === 'string' ? phys.artifactLocation.uri : undefined;
}

export function exitCodeOf(v: Verdict): 0 | 1 | 2 {
  if (v.broken.length > 0) return 2;
  return v.failing.length > 0 ? 1 : 0;
}

/** A plain-text table: rule, severity, confidence, location (and source for bundle findings). */
export function formatTable(findings: readonly Finding[]): string {
  const head = ['RULE', 'SEVERITY', 'CONFIDENCE', 'LOCATION', 'SOURCE'];
  const rows = findings.map((f) => [
    f.rule + (f.manualReview ? ' (review)' : ''),
    f.severity,
    f.confidence,
    f.file === '(app-wide)' ? f.file : `${f.file}:${f.line}`,
    f.source ?? '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------
// The scan

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SARIF_PATH = join(ROOT, 'test-results', 'electronegativity.sarif');
const BUNDLE_DIRS = ['out/main', 'out/preload', 'out/renderer'];
/** What the tool's directory loader reads (dist/util/file.js, list_files). */
const TOOL_EXTENSIONS = ['js', 'jsx', 'ts', 'tsx', 'html', 'htm'];
/** JavaScript the tool would skip for its extension: staged with `.js` appended. */
const RENAME_EXTENSIONS = ['cjs', 'mjs'];

class BrokenRun extends Error {}

interface ToolIssue {
  id: string;
  file: string;
  location?: { line?: number; column?: number };
  severity: { name: string };
  confidence: { name: string };
  manualReview?: boolean;
}
interface ToolError {
  file: string;
  message: string;
  tolerable: boolean;
}
interface ToolResult {
  globalChecks: number;
  atomicChecks: number;
  errors: ToolError[];
  issues: ToolIssue[];
}
type ToolRun = (options: Record<string, unknown>) => Promise<ToolResult>;
type CheckClass = { name: string; new (): { id?: string } };

function extOf(file: string): string {
  const i = file.lastIndexOf('.');
  return i < 0 ? '' : file.slice(i + 1).toLowerCase();
}

const toPosix = (p: string) => p.split(sep).join('/');

/** Copies `from` into `to`; returns staged relative path → repository relative path for renamed files. */
function stageTree(from: string, to: string, stageRoot: string, renames: Map<string, string>, scanned: string[]): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const src = join(from, entry.name);
    if (entry.isDirectory()) {
      stageTree(src, join(to, entry.name), stageRoot, renames, scanned);
      continue;
    }
    if (!entry.isFile()) continue;
    const rename = RENAME_EXTENSIONS.includes(extOf(entry.name));
    const dest = join(to, rename ? `${entry.name}.js` : entry.name);
    copyFileSync(src, dest);
    const repoRel = toPosix(relative(ROOT, src));
    if (rename) renames.set(toPosix(relative(stageRoot, dest)), repoRel);
    if (rename || TOOL_EXTENSIONS.includes(extOf(entry.name))) scanned.push(repoRel);
  }
}

function electronVersion(toolRequire: NodeJS.Require): { version: string; from: string } {
  const installed = join(ROOT, 'node_modules', 'electron', 'package.json');
  if (existsSync(installed)) {
    const v = (JSON.parse(readFileSync(installed, 'utf8')) as { version?: unknown }).version;
    if (typeof v === 'string') return { version: v, from: 'node_modules/electron/package.json' };
  }
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string>; dependencies?: Record<string, string> };
  const range = pkg.devDependencies?.electron ?? pkg.dependencies?.electron;
  const semver = toolRequire('semver') as { minVersion(r: string): { version: string } | null };
  const min = range ? semver.minVersion(range)?.version : undefined;
  if (!min) throw new BrokenRun('cannot tell the Electron version: no node_modules/electron and no electron range in package.json');
  return { version: min, from: `package.json range ${range}` };
}

/** check id → the class name the tool's exclusion list takes; BrokenRun for an id the tool does not have. */
function exclusionNames(toolRequire: NodeJS.Require): string[] {
  const atomic = (toolRequire('./dist/finder/checks/AtomicChecks/index.js') as { CHECKS: CheckClass[] }).CHECKS;
  const global = (toolRequire('./dist/finder/checks/GlobalChecks/index.js') as { GLOBAL_CHECKS: CheckClass[] }).GLOBAL_CHECKS;
  const byId = new Map<string, string>();
  for (const C of [...atomic, ...global]) {
    const id = new C().id;
    if (id) byId.set(id, C.name);
  }
  return EXCLUDED_CHECKS.map(({ id }) => {
    const name = byId.get(id);
    if (!name) throw new BrokenRun(`EXCLUDED_CHECKS names ${id}, which this version of Electronegativity does not have`);
    return name.toLowerCase();
  });
}

/** Makes the tool's HTTP client fail at once: no request ever leaves this process. */
function stubNetwork(toolRequire: NodeJS.Require): void {
  const gotPath = toolRequire.resolve('got');
  const refuse = () => Promise.reject(new Error('network disabled by scripts/electronegativity.ts'));
  const offline = Object.assign(refuse, { head: refuse, get: refuse, post: refuse, stream: refuse });
  toolRequire.cache[gotPath] = { id: gotPath, filename: gotPath, loaded: true, exports: offline } as unknown as NodeJS.Module;
}

/** Where a finding in a bundle comes from: the `// src-main/…` region marker above it, and the line if unique. */
function sourceHint(bundleFile: string, line: number): string | undefined {
  if (!/^out\/(main|preload)\//.test(bundleFile)) return undefined;
  const lines = readFileSync(join(ROOT, bundleFile), 'utf8').split('\n');
  let src: string | undefined;
  for (let i = Math.min(line, lines.length) - 1; i >= 0; i--) {
    const m = /^\/\/ (src-main\/\S+\.ts)$/.exec(lines[i] ?? '');
    if (m) {
      src = m[1];
      break;
    }
  }
  if (!src || !existsSync(join(ROOT, src))) return undefined;
  const norm = (s: string) => s.replace(/["'`]/g, "'").replace(/\bvoid /g, '').replace(/\s+/g, '');
  const wanted = norm(lines[line - 1] ?? '');
  if (wanted === '') return src;
  const hits = readFileSync(join(ROOT, src), 'utf8')
    .split('\n')
    .flatMap((l, i) => (norm(l) === wanted ? [i + 1] : []));
  return hits.length === 1 ? `${src}:${hits[0]}` : src;
}

async function waitForSarif(file: string, expectedResults: number): Promise<Record<string, unknown>> {
  // The tool writes its output with an unawaited fs.writeFile after run() has resolved.
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const doc = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      if (isRecord(doc) && Array.isArray(doc.runs) && isRecord(doc.runs[0]) && Array.isArray(doc.runs[0].results) && doc.runs[0].results.length === expectedResults) {
        return doc;
      }
    } catch {
      // not there yet, or half written
    }
    if (Date.now() > deadline) throw new BrokenRun(`the tool did not write a complete SARIF file (${file})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Runs the tool with its console output collected (and printed afterwards, prefixed), its
 * process.exit turned into a broken run, and its strings from the bundled en-US file.
 */
async function inToolSandbox<T>(fn: () => Promise<T>): Promise<T> {
  const said: string[] = [];
  const saved = { log: console.log, warn: console.warn, error: console.error, exit: process.exit, lang: process.env.LANG };
  const capture = (...args: unknown[]) => void said.push(args.map(String).join(' '));
  console.log = capture;
  console.warn = capture;
  console.error = capture;
  // The tool calls process.exit(1) on a bad option; here that must be a broken run, not a finding.
  process.exit = ((code?: number) => {
    throw new BrokenRun(`the tool tried to exit with code ${String(code)}`);
  }) as typeof process.exit;
  process.env.LANG = 'en-US';
  try {
    return await fn();
  } finally {
    console.log = saved.log;
    console.warn = saved.warn;
    console.error = saved.error;
    process.exit = saved.exit;
    if (saved.lang === undefined) delete process.env.LANG;
    else process.env.LANG = saved.lang;
    for (const s of said) {
      // With the network stubbed the tool says this each time it loads its strings.
      if (!s.includes('Could not retrieve updated translations')) console.log(`  [tool] ${s.replace(/\x1b\[[0-9;]*m/g, '')}`);
    }
  }
}

async function scan(): Promise<void> {
  for (const d of BUNDLE_DIRS) {
    if (!existsSync(join(ROOT, d)) || readdirSync(join(ROOT, d)).length === 0) {
      throw new BrokenRun(`${d} is missing or empty: run \`npm run build\` first`);
    }
  }
  const toolPkg = createRequire(import.meta.url).resolve('@doyensec/electronegativity/package.json');
  const toolRequire = createRequire(toolPkg);
  const toolVersion = (JSON.parse(readFileSync(toolPkg, 'utf8')) as { version: string }).version;
  const electron = electronVersion(toolRequire);
  stubNetwork(toolRequire);

  const work = mkdtempSync(join(tmpdir(), 'helpdesk-electronegativity-'));
  try {
    const stage = join(work, 'input');
    const renames = new Map<string, string>();
    const scanned: string[] = [];
    for (const d of BUNDLE_DIRS) stageTree(join(ROOT, d), join(stage, d), stage, renames, scanned);
    copyFileSync(join(ROOT, 'package.json'), join(stage, 'package.json'));
    scanned.push('package.json');
    const rawSarif = join(work, 'raw.sarif');

    console.log(`electronegativity ${toolVersion}: ${scanned.length} files from ${BUNDLE_DIRS.join(', ')} and package.json; Electron ${electron.version} (${electron.from})`);
    console.log(`excluded checks: ${EXCLUDED_CHECKS.map((e) => e.id).join(', ')} (reasons: docs/electron-security.md)`);

    const run = toolRequire('./dist/runner.js') as ToolRun;
    const initStrings = toolRequire('./dist/locales/i18n.js') as () => Promise<void>;
    const result = await inToolSandbox(async () => {
      await initStrings(); // the checks' constructors read their descriptions from the tool's strings
      const excluded = exclusionNames(toolRequire);
      return run({
        input: stage,
        output: rawSarif,
        isSarif: true,
        isRelative: true,
        customScan: [],
        excludeFromScan: excluded,
        electronVersionOverride: electron.version,
        parserPlugins: [],
      });
    });

    const raw = await waitForSarif(rawSarif, result.issues.length);
    const runs = raw.runs as Record<string, unknown>[];
    const run0 = runs[0] as Record<string, unknown>;
    const toRepo = (stagedAbsOrRel: string) => {
      const rel = toPosix(stagedAbsOrRel.startsWith(stage) ? relative(stage, stagedAbsOrRel) : stagedAbsOrRel);
      return renames.get(rel) ?? rel;
    };
    (run0.results as Record<string, unknown>[]).forEach((r, i) => {
      const issue = result.issues[i];
      if (!issue || r.ruleId !== issue.id) throw new BrokenRun(`SARIF result ${i} (${String(r.ruleId)}) does not match the tool's issue ${i} (${issue?.id})`);
      const phys = (r.locations as { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[])[0]?.physicalLocation;
      let source: string | undefined;
      if (phys && phys.artifactLocation.uri !== 'file:///') {
        phys.artifactLocation.uri = toRepo(phys.artifactLocation.uri);
        source = sourceHint(phys.artifactLocation.uri, phys.region.startLine);
      }
      r.properties = {
        ...(isRecord(r.properties) ? r.properties : {}),
        severity: issue.severity.name,
        confidence: issue.confidence.name,
        manualReview: issue.manualReview === true,
        ...(source ? { source } : {}),
      };
    });
    const hardErrors = result.errors.filter((e) => !e.tolerable);
    run0.invocations = [
      {
        executionSuccessful: hardErrors.length === 0,
        workingDirectory: { uri: `${pathToFileURL(ROOT).href}/` },
        toolExecutionNotifications: result.errors.map((e) => ({
          level: e.tolerable ? 'warning' : 'error',
          message: { text: `${e.tolerable ? 'tolerable parse problem' : 'not analysed, parse error'}: ${e.message}` },
          locations: [{ physicalLocation: { artifactLocation: { uri: toRepo(e.file) } } }],
        })),
      },
    ];
    run0.properties = {
      electronVersion: electron.version,
      electronVersionFrom: electron.from,
      failAt: FAIL_AT,
      filesScanned: scanned.length,
      inputs: scanned,
      checksLoaded: { global: result.globalChecks, atomic: result.atomicChecks },
      excludedChecks: EXCLUDED_CHECKS,
      note: 'severity and confidence per result are in result.properties (from the tool); level is the tool\'s own: "note" = manual review, else "warning"',
    };
    mkdirSync(dirname(SARIF_PATH), { recursive: true });
    writeFileSync(SARIF_PATH, `${JSON.stringify(raw, null, 2)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function report(v: Verdict, file: string): void {
  const count = (s: Severity) => v.findings.filter((f) => f.severity === s).length;
  const unknown = v.findings.filter((f) => f.severity === 'UNKNOWN').length;
  if (v.findings.length > 0) console.log(`\n${formatTable(v.findings)}\n`);
  console.log(
    `electronegativity: ${v.findings.length} finding(s): ${count('HIGH')} high, ${count('MEDIUM')} medium, ${count('LOW')} low, ${count('INFORMATIONAL')} informational` +
      (unknown > 0 ? `, ${unknown} of unknown severity (counted as failing)` : '') +
      ` (SARIF: ${toPosix(relative(process.cwd(), file))})`,
  );
  for (const b of v.broken) console.error(`electronegativity: BROKEN RUN: ${b}`);
  if (v.broken.length > 0) console.error('electronegativity: the scan cannot be trusted; exit 2');
  else if (v.failing.length > 0) console.error(`electronegativity: ${v.failing.length} finding(s) at ${FAIL_AT} or above${unknown > 0 ? ' or of unknown severity' : ''}; exit 1 (docs/electron-security.md says how to handle one)`);
  else console.log(`electronegativity: nothing at ${FAIL_AT} or above`);
}

async function main(argv: string[]): Promise<number> {
  let file = SARIF_PATH;
  try {
    if (argv[0] === '--evaluate') {
      if (!argv[1]) throw new BrokenRun('usage: --evaluate FILE');
      file = resolve(argv[1]);
    } else if (argv.length > 0) {
      throw new BrokenRun(`unknown arguments: ${argv.join(' ')}`);
    } else {
      rmSync(SARIF_PATH, { force: true }); // a stale file from an earlier run must never be judged
      await scan();
    }
    if (!existsSync(file)) throw new BrokenRun(`no SARIF file at ${file}`);
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new BrokenRun(`SARIF file ${file} is not JSON: ${(e as Error).message}`);
    }
    const verdict = evaluateSarif(doc);
    report(verdict, file);
    return exitCodeOf(verdict);
  } catch (e) {
    if (e instanceof BrokenRun || e instanceof SarifError) {
      console.error(`electronegativity: BROKEN RUN: ${e.message}`);
      return 2;
    }
    console.error('electronegativity: BROKEN RUN:', e);
    return 2;
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exit(await main(process.argv.slice(2)));
}

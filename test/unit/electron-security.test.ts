import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXCLUDED_CHECKS, FAIL_AT, SarifError, evaluateSarif, exitCodeOf, formatTable } from '../../scripts/electronegativity';

/** One result as scripts/electronegativity.ts writes it: the tool's result plus severity/confidence. */
function result(ruleId: string, severity: string | undefined, confidence = 'CERTAIN', uri = 'out/main/main.js', line = 10) {
  return {
    ruleId,
    level: 'warning',
    message: { text: `${ruleId} message` },
    locations: [{ physicalLocation: { artifactLocation: { uri }, region: { startLine: line, startColumn: 1 } } }],
    ...(severity === undefined ? {} : { properties: { severity, confidence, manualReview: false } }),
  };
}

function sarif(results: unknown[], extra: Record<string, unknown> = {}) {
  return {
    $schema: 'http://json.schemastore.org/sarif-2.1.0',
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'Electronegativity', version: '1.10.3', rules: [] } }, results, ...extra }],
  };
}

describe('electronegativity gate (scripts/electronegativity.ts)', () => {
  it('fails on MEDIUM and HIGH whatever the confidence, and only on those', () => {
    const v = evaluateSarif(
      sarif([
        result('CSP_GLOBAL_CHECK', 'LOW', 'FIRM', 'out/renderer/index.html', 5),
        result('OPEN_EXTERNAL_JS_CHECK', 'MEDIUM', 'TENTATIVE'),
        result('ELECTRON_VERSION_JSON_CHECK', 'INFORMATIONAL', 'CERTAIN', 'package.json', 1),
        result('CONTEXT_ISOLATION_JS_CHECK', 'HIGH', 'FIRM'),
      ]),
    );
    expect(FAIL_AT).toBe('MEDIUM');
    expect(v.broken).toEqual([]);
    expect(v.findings).toHaveLength(4);
    expect(v.failing.map((f) => f.rule)).toEqual(['CONTEXT_ISOLATION_JS_CHECK', 'OPEN_EXTERNAL_JS_CHECK']);
    expect(exitCodeOf(v)).toBe(1);
  });

  it('passes with only LOW and INFORMATIONAL findings, which are still listed', () => {
    const v = evaluateSarif(sarif([result('CSP_GLOBAL_CHECK', 'LOW', 'FIRM', 'out/renderer/index.html', 5), result('ELECTRON_VERSION_JSON_CHECK', 'informational')]));
    expect(v.failing).toEqual([]);
    expect(exitCodeOf(v)).toBe(0);
    const table = formatTable(v.findings);
    expect(table).toContain('CSP_GLOBAL_CHECK');
    expect(table).toContain('out/renderer/index.html:5');
    expect(table).toContain('INFORMATIONAL');
  });

  it('passes a clean run', () => {
    expect(exitCodeOf(evaluateSarif(sarif([])))).toBe(0);
  });

  it("fails closed on the tool's own SARIF, which carries no severity", () => {
    const v = evaluateSarif(sarif([result('CSP_GLOBAL_CHECK', undefined)]));
    expect(v.findings[0]?.severity).toBe('UNKNOWN');
    expect(v.failing).toHaveLength(1);
    expect(exitCodeOf(v)).toBe(1);
  });

  it('reports a global finding without a file as app-wide', () => {
    const v = evaluateSarif(sarif([result('LIMIT_NAVIGATION_GLOBAL_CHECK', 'HIGH', 'CERTAIN', 'file:///', 1)]));
    expect(v.findings[0]?.file).toBe('(app-wide)');
  });

  it('treats a run with a file the tool could not parse as broken (exit 2), findings or not', () => {
    const invocations = [
      {
        executionSuccessful: false,
        toolExecutionNotifications: [
          {
            level: 'error',
            message: { text: "not analysed, parse error: Identifier 'require' has already been declared. (714:4)" },
            locations: [{ physicalLocation: { artifactLocation: { uri: 'out/main/main.js' } } }],
          },
        ],
      },
    ];
    const v = evaluateSarif(sarif([result('CSP_GLOBAL_CHECK', 'LOW')], { invocations }));
    expect(v.broken).toEqual(["out/main/main.js: not analysed, parse error: Identifier 'require' has already been declared. (714:4)"]);
    expect(exitCodeOf(v)).toBe(2);
  });

  it('treats a run that scanned nothing as broken', () => {
    expect(exitCodeOf(evaluateSarif(sarif([], { properties: { filesScanned: 0 } })))).toBe(2);
  });

  it('rejects what is not an Electronegativity SARIF log', () => {
    expect(() => evaluateSarif({})).toThrow(SarifError);
    expect(() => evaluateSarif(null)).toThrow(SarifError);
    expect(() => evaluateSarif({ version: '2.1.0', runs: [] })).toThrow(SarifError);
    expect(() => evaluateSarif({ version: '2.1.0', runs: [{ tool: { driver: { name: 'Electronegativity' } } }] })).toThrow(SarifError);
    expect(() => evaluateSarif({ version: '2.1.0', runs: [{ tool: { driver: { name: 'eslint' } }, results: [] }] })).toThrow(SarifError);
    expect(() => evaluateSarif(sarif([{ level: 'warning' }]))).toThrow(SarifError);
  });

  it('documents every excluded check, with its reason, in docs/electron-security.md', () => {
    const doc = readFileSync('docs/electron-security.md', 'utf8');
    expect(EXCLUDED_CHECKS.length).toBeGreaterThan(0);
    for (const e of EXCLUDED_CHECKS) {
      expect(e.reason.length).toBeGreaterThan(20);
      expect(doc).toContain(`\`${e.id}\``);
    }
  });
});

import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layering of DESIGN §2 is enforced by ESLint; these cases prove the rules fire (and do not over-fire).
// The virtual files of these cases are in no tsconfig: the rules that need type information stay off here.
const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfig: {
    languageOptions: { parserOptions: { project: null } },
    rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off', '@typescript-eslint/await-thenable': 'off' },
  },
});

async function importErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layering lint', () => {
  it.each([
    ['src-main/domain/x.ts', "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n"],
    ['src-main/domain/x.ts', "import { Client } from 'ldapts';\nexport const c = Client;\n"],
    ['src-main/domain/x.ts', "import { LdapDirectory } from '../adapters/ldap/ldap-directory';\nexport const d = LdapDirectory;\n"],
    ['src-main/common/x.ts', "import { join } from 'node:path';\nexport const j = join;\n"],
    ['src-main/common/x.ts', "import { HelpdeskError } from '../domain/errors';\nexport const e = HelpdeskError;\n"],
    ['src-main/adapters/x.ts', "import { createRuntime } from '../app/runtime';\nexport const r = createRuntime;\n"],
    ['src-main/adapters/x.ts', "import { app } from 'electron';\nexport const a = app;\n"],
    ['src-main/app/x.ts', "import { startWebServer } from '../web/server';\nexport const s = startWebServer;\n"],
    ['src-renderer/src/x.ts', "import { parseSearchQuery } from '../../src-main/domain/search-query';\nexport const p = parseSearchQuery;\n"],
    ['src-renderer/src/x.ts', "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n"],
  ])('%s refuses %s', async (file, code) => {
    expect(await importErrors(file, code)).not.toEqual([]);
  });

  it.each([
    ['src-main/domain/x.ts', "import type { ErrorCode } from '../common/errors';\nimport { parsePhoneNumberFromString } from 'libphonenumber-js/max';\nexport type E = ErrorCode;\nexport const p = parsePhoneNumberFromString;\n"],
    ['src-main/common/x.ts', "import { z } from 'zod';\nimport { ERROR_CODES } from './errors';\nexport const s = z.enum(ERROR_CODES);\n"],
    ['src-main/adapters/x.ts', "import { Client } from 'ldapts';\nimport { HelpdeskError } from '../domain/errors';\nexport const c = [Client, HelpdeskError];\n"],
    ['src-renderer/src/x.ts', "import type { HelpdeskApi } from '@common/api';\nexport type A = HelpdeskApi;\n"],
  ])('%s allows %s', async (file, code) => {
    expect(await importErrors(file, code)).toEqual([]);
  });
});

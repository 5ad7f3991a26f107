/**
 * Write the training directory as LDIF.
 *
 *   npx tsx scripts/generate-training-ldif.ts [--count N] [--out FILE] [--base DN] [--seed N] [--no-operators]
 *
 * Defaults: 320 accounts, seed 20261123, dc=daotao,dc=gov,dc=vn → resources/training/directory.ldif.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  DEFAULT_ACCOUNT_COUNT,
  DEFAULT_BASE_DN,
  DEFAULT_SEED,
  generateDirectoryLdif,
} from './training-data';

const DEFAULT_OUT = fileURLToPath(new URL('../resources/training/directory.ldif', import.meta.url));

function parseInteger(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      count: { type: 'string' },
      out: { type: 'string' },
      base: { type: 'string' },
      seed: { type: 'string' },
      'no-operators': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const count = parseInteger('count', values.count, DEFAULT_ACCOUNT_COUNT);
  const seed = parseInteger('seed', values.seed, DEFAULT_SEED);
  const baseDn = values.base ?? DEFAULT_BASE_DN;
  const out = values.out ? resolve(values.out) : DEFAULT_OUT;

  const started = performance.now();
  const ldif = generateDirectoryLdif({ baseDn, count, seed, includeOperators: !values['no-operators'] });
  const elapsed = performance.now() - started;

  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, ldif, 'utf8');
  const entries = ldif.match(/^dn:/gm)?.length ?? 0;
  console.log(
    `${relative(process.cwd(), out) || out}: ${entries} entries, ${ldif.length} bytes, generated in ${elapsed.toFixed(0)} ms`,
  );
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_MANIFEST } from '../../src-main/common/manifest';

describe('docs/api.md', () => {
  it('lists every contract method', () => {
    const doc = readFileSync('docs/api.md', 'utf8');
    for (const [group, methods] of Object.entries(API_MANIFEST)) {
      for (const m of methods) expect(doc).toContain(`\`${group}/${m}\``);
    }
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseEsmsSecret } from '../../src-main/adapters/sms';
import { servicePasswordKey, smsSecretKey } from '../../src-main/app/secret-keys';
import { API_MANIFEST } from '../../src-main/common/manifest';

describe('docs/api.md', () => {
  it('lists every contract method', () => {
    const doc = readFileSync('docs/api.md', 'utf8');
    for (const [group, methods] of Object.entries(API_MANIFEST)) {
      for (const m of methods) expect(doc).toContain(`\`${group}/${m}\``);
    }
  });
});

describe('docs/api.md: the secrets', () => {
  const doc = readFileSync('docs/api.md', 'utf8');

  it("the eSMS secret's example is what the relay reads, and the keychain names are those the app makes", () => {
    const example = /"smsSecret": ("(?:[^"\\]|\\.)*")/u.exec(doc)?.[1];
    expect(parseEsmsSecret(JSON.parse(example!) as string)).toEqual({ apiKey: 'A1B2C3D4E5F6', secretKey: '9F8E7D6C5B4A' });
    const url = 'https://rest.esms.vn/x/';
    expect(smsSecretKey({ provider: 'esms', url, brandname: 'B', smsType: '2', timeoutMs: 1000 })).toBe(`sms-esms:${url}`);
    expect(doc).toContain('`sms-esms:<gateway URL>`');
    expect(servicePasswordKey({ url: 'ldaps://h', serviceBindDn: 'cn=s', startTls: false, caCertificate: '' })).toMatch(/^directory-service:cn=s@ldaps:\/\/h#[0-9a-f]{16}$/u);
    expect(doc).toContain('`directory-service:<bind DN>@<URL>#<tag>`');
  });
});

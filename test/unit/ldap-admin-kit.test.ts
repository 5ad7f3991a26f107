import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ldifValues, parseLdif } from '../../src-main/adapters/training/ldif';

/**
 * The admin kit in resources/ldap/: the schema in its two forms (slapd.conf and cn=config) says the same
 * thing, under the documentation arc only; the service account's ACL in its two forms grants the same.
 */

const read = (f: string): string => readFileSync(`resources/ldap/${f}`, 'utf8');
const squash = (s: string): string => s.replace(/\s+/gu, ' ').trim();

/** `attributetype ( … )` / `objectclass ( … )` definitions of a slapd.conf schema file, by keyword. */
function confSchema(text: string): { attributeTypes: string[]; objectClasses: string[] } {
  const out = { attributeTypes: [] as string[], objectClasses: [] as string[] };
  // A definition goes on over the lines that start with white space.
  const statements = text
    .split(/\r?\n/u)
    .filter((l) => !l.startsWith('#'))
    .join('\n')
    .split(/\n(?=\S)/u);
  for (const st of statements) {
    const m = /^(attributetype|objectclass)\s+([\s\S]*)$/iu.exec(st.trim());
    if (!m) {
      expect(st.trim(), 'only definitions in the schema file').toBe('');
      continue;
    }
    (m[1]!.toLowerCase() === 'attributetype' ? out.attributeTypes : out.objectClasses).push(squash(m[2]!));
  }
  return out;
}

const oidOf = (def: string): string => /^\(\s*([\d.]+)/u.exec(def)?.[1] ?? '';
const nameOf = (def: string): string => /NAME '([^']+)'/u.exec(def)?.[1] ?? '';

describe('resources/ldap: the Helpdesk schema', () => {
  const conf = confSchema(read('helpdesk.schema'));
  const [entry, ...more] = parseLdif(read('helpdesk.ldif'));

  it('the cn=config LDIF is one olcSchemaConfig entry', () => {
    expect(more).toHaveLength(0);
    expect(entry!.dn).toBe('cn=helpdesk,cn=schema,cn=config');
    expect(ldifValues(entry!, 'objectClass')).toEqual(['olcSchemaConfig']);
  });

  it('both files define the same attribute types and object classes, word for word', () => {
    const ldif = {
      attributeTypes: ldifValues(entry!, 'olcAttributeTypes').map(squash),
      objectClasses: ldifValues(entry!, 'olcObjectClasses').map(squash),
    };
    expect(conf.attributeTypes.map(nameOf)).toEqual(['hdCitizenId', 'hdTaxCode', 'hdSocialInsuranceCode', 'hdRecoveryEmail', 'hdAccountType']);
    expect(conf.objectClasses.map(nameOf)).toEqual(['hdAccount']);
    expect(ldif).toEqual(conf);
  });

  it('every OID is under the IANA documentation arc (RFC 5612), distinct, attribute types .1.1.n and classes .1.2.n', () => {
    const oids = [...conf.attributeTypes, ...conf.objectClasses].map(oidOf);
    expect(new Set(oids).size).toBe(oids.length);
    conf.attributeTypes.forEach((d) => expect(oidOf(d)).toMatch(/^1\.3\.6\.1\.4\.1\.32473\.1\.1\.\d+$/u));
    conf.objectClasses.forEach((d) => expect(oidOf(d)).toMatch(/^1\.3\.6\.1\.4\.1\.32473\.1\.2\.\d+$/u));
    // Each file says how an agency gets its own arc.
    for (const f of ['helpdesk.schema', 'helpdesk.ldif']) expect(read(f)).toMatch(/Private[\s#]+Enterprise[\s#]+Number[\s\S]*iana\.org/u);
  });

  it('the class allows exactly the attribute types defined', () => {
    const may = /MAY \( ([^)]+) \)/u.exec(conf.objectClasses[0]!)?.[1]?.split(' $ ');
    expect(may).toEqual(conf.attributeTypes.map(nameOf));
  });
});

describe('resources/ldap: the OpenLDAP service account', () => {
  /** LDIF logical lines (folded lines joined), comments dropped. */
  const ldifLines = read('openldap-service-account.ldif')
    .split(/\r?\n/u)
    .filter((l) => !l.startsWith('#'))
    .join('\n')
    .replace(/\n /gu, '')
    .split('\n');
  const ldifValuesOf = (attr: string): string[] =>
    ldifLines.filter((l) => l.startsWith(`${attr}: `)).map((l) => squash(l.slice(attr.length + 2).replace(/^\{\d+\}/u, '')));
  /** slapd.conf statements (lines starting with white space continue one). */
  const confStatements = read('openldap-service-account.conf')
    .split(/\r?\n/u)
    .filter((l) => !l.startsWith('#'))
    .join('\n')
    .split(/\n(?=\S)/u)
    .map(squash)
    .filter((s) => s !== '');

  it('grants the same in both forms, in the same order', () => {
    const access = confStatements.filter((s) => s.startsWith('access ')).map((s) => s.slice('access '.length));
    const limits = confStatements.filter((s) => s.startsWith('limits ')).map((s) => s.slice('limits '.length));
    expect(confStatements).toHaveLength(access.length + limits.length);
    expect(access).toEqual(ldifValuesOf('olcAccess'));
    expect(limits).toEqual(ldifValuesOf('olcLimits'));
    expect(access).toHaveLength(4);
  });

  it('numbers the LDIF rules from {0}, each ending with "by * break" (the existing rules still decide for everyone else)', () => {
    const numbered = ldifLines.filter((l) => l.startsWith('olcAccess: ')).map((l) => /^olcAccess: \{(\d+)\}/u.exec(l)?.[1]);
    expect(numbered).toEqual(['0', '1', '2', '3']);
    for (const rule of ldifValuesOf('olcAccess')) expect(rule).toMatch(/ by \* break$/u);
  });

  it('gives the service account write on nothing but the password, the lock, must-change and the mapped contacts, under ou=people only', () => {
    const writes = ldifValuesOf('olcAccess').filter((r) => / (write|=w)\b/u.test(r));
    expect(writes).toHaveLength(2);
    expect(writes[0]).toMatch(/^to dn\.subtree="ou=people,[^"]+" attrs=userPassword by \S+ =w /u);
    expect(/attrs=(\S+)/u.exec(writes[1]!)?.[1]?.split(',')).toEqual(['pwdAccountLockedTime', 'pwdReset', 'mobile', 'hdRecoveryEmail']);
    for (const w of writes) expect(w).toMatch(/^to dn\.subtree="ou=people,/u);
  });
});

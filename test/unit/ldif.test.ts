import { describe, expect, it } from 'vitest';
import { LdifSyntaxError, ldifValues, parseLdif } from '../../src-main/adapters/training/ldif';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

function errorOf(text: string): LdifSyntaxError {
  try {
    parseLdif(text);
  } catch (err) {
    if (err instanceof LdifSyntaxError) return err;
    throw err;
  }
  throw new Error('expected parseLdif to throw');
}

describe('parseLdif', () => {
  it('reads records, values and repeated attributes; ignores version: 1', () => {
    const entries = parseLdif(
      [
        'version: 1',
        '',
        'dn: dc=daotao,dc=gov,dc=vn',
        'objectClass: top',
        'objectClass: dcObject',
        'dc: daotao',
        '',
        '',
        'dn: uid=annv,ou=people,dc=daotao,dc=gov,dc=vn',
        'uid:annv',
        'mobile: 0912 345 678',
        '',
      ].join('\n'),
    );
    expect(entries.map((e) => e.dn)).toEqual(['dc=daotao,dc=gov,dc=vn', 'uid=annv,ou=people,dc=daotao,dc=gov,dc=vn']);
    expect(entries[0]?.attributes.get('objectClass')).toEqual(['top', 'dcObject']);
    expect(entries[1]?.attributes.get('uid')).toEqual(['annv']);
    expect(entries[1]?.attributes.get('mobile')).toEqual(['0912 345 678']);
  });

  it('accepts version: 1 in the first record and CRLF line ends', () => {
    const entries = parseLdif('version: 1\r\ndn: dc=x\r\ndc: x\r\n');
    expect(entries).toEqual([{ dn: 'dc=x', attributes: new Map([['dc', ['x']]]) }]);
  });

  it('decodes base64 values and DNs as UTF-8 (Vietnamese diacritics)', () => {
    const [entry] = parseLdif(
      [`dn:: ${b64('cn=Nguyễn Văn An,ou=people,dc=daotao,dc=gov,dc=vn')}`, `cn:: ${b64('Nguyễn Văn An')}`, `sn::${b64('Nguyễn')}`].join('\n'),
    );
    expect(entry?.dn).toBe('cn=Nguyễn Văn An,ou=people,dc=daotao,dc=gov,dc=vn');
    expect(entry?.attributes.get('cn')).toEqual(['Nguyễn Văn An']);
    expect(entry?.attributes.get('sn')).toEqual(['Nguyễn']);
  });

  it('joins folded lines: one leading space is removed, further spaces are content', () => {
    const encoded = b64('Trung tâm Công nghệ thông tin và Truyền thông');
    const [entry] = parseLdif(
      [
        'dn: uid=annv,ou=people,',
        ' dc=daotao,dc=gov,dc=vn',
        `description:: ${encoded.slice(0, 20)}`,
        ` ${encoded.slice(20, 41)}`,
        ` ${encoded.slice(41)}`,
        'title: Chuyên',
        '  viên',
      ].join('\n'),
    );
    expect(entry?.dn).toBe('uid=annv,ou=people,dc=daotao,dc=gov,dc=vn');
    expect(entry?.attributes.get('description')).toEqual(['Trung tâm Công nghệ thông tin và Truyền thông']);
    expect(entry?.attributes.get('title')).toEqual(['Chuyên viên']);
  });

  it('skips comments, including folded comment lines, anywhere', () => {
    const entries = parseLdif(
      [
        '# Helpdesk training directory',
        '#  a comment that is',
        '  folded onto a second line',
        'dn: dc=x',
        '# between attributes',
        'dc: x',
        '',
        '# between records',
        '',
        'dn: ou=people,dc=x',
        'ou: people',
      ].join('\n'),
    );
    expect(entries.map((e) => [e.dn, [...e.attributes.keys()]])).toEqual([
      ['dc=x', ['dc']],
      ['ou=people,dc=x', ['ou']],
    ]);
  });

  it('keeps attribute names as first written and looks them up case-insensitively', () => {
    const [entry] = parseLdif('dn: dc=x\nobjectClass: top\nobjectclass: dcObject\nOBJECTCLASS: organization\ncn;lang-vi: An\n');
    expect([...(entry?.attributes.keys() ?? [])]).toEqual(['objectClass', 'cn;lang-vi']);
    expect(entry && ldifValues(entry, 'OBJECTCLASS')).toEqual(['top', 'dcObject', 'organization']);
    expect(entry && ldifValues(entry, 'CN;LANG-VI')).toEqual(['An']);
    expect(entry && ldifValues(entry, 'mail')).toEqual([]);
  });

  it('returns nothing for an empty or comment-only text', () => {
    expect(parseLdif('')).toEqual([]);
    expect(parseLdif('# nothing here\n\n')).toEqual([]);
    expect(parseLdif('version: 1\n')).toEqual([]);
  });

  describe('malformed input: an LdifSyntaxError naming the line', () => {
    it.each([
      ['a line without a colon', 'dn: dc=x\ndc: x\nthis is not ldif\n', 3, /expected "attribute: value"/],
      ['a record not starting with dn', 'dn: dc=x\n\ncn: orphan\n', 3, /must start with "dn:"/],
      ['invalid base64', 'dn: dc=x\ncn:: ***not base64***\n', 2, /invalid base64/],
      ['a continuation with nothing to continue', '\n continued\n', 2, /continuation/],
      ['an invalid attribute name', 'dn: dc=x\nc n: x\n', 2, /invalid attribute name/],
      ['a change record', 'dn: dc=x\nchangetype: modify\n', 2, /change records/],
      ['a URL value', 'dn: dc=x\njpegPhoto:< file:///etc/passwd\n', 2, /URL values/],
      ['two DNs in one record', 'dn: dc=x\ndc: x\ndn: dc=y\n', 3, /second "dn:"/],
      ['another LDIF version', 'version: 2\ndn: dc=x\n', 1, /version/],
    ])('%s', (_name, text, line, message) => {
      const err = errorOf(text);
      expect(err.line).toBe(line);
      expect(err.message).toMatch(new RegExp(`^LDIF line ${line}: `));
      expect(err.message).toMatch(message);
    });

    it('never quotes a password line', () => {
      const err = errorOf('dn: uid=a,dc=x\nuserPassword Secret-Plain-1\n');
      expect(err.line).toBe(2);
      expect(err.message).not.toContain('Secret-Plain-1');
    });

    it('counts physical lines, folded ones included', () => {
      const err = errorOf('dn: dc=x,\n dc=y\n# comment\ncn: ok\nbroken\n');
      expect(err.line).toBe(5);
    });
  });
});

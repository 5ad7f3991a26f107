import { BerReader, BerWriter, EqualityFilter, type Filter, FilterParser, OrFilter, SubstringFilter } from 'ldapts';
import { describe, expect, it } from 'vitest';
import { confirmsCriteria, criteriaFilter } from '../../src-main/adapters/ldap/filters';
import { EntryView } from '../../src-main/adapters/ldap/entry';
import { directoryDefaults } from '../../src-main/common/settings';
import { parseSearchQuery, widerReading } from '../../src-main/domain/search-query';

const attrs = directoryDefaults('openldap').attributes;

/** The filter as the server receives it: BER-encoded and decoded again. */
function onTheWire(f: Filter): Filter {
  const w = new BerWriter();
  f.write(w);
  return FilterParser.parse(new BerReader(w.buffer));
}

function entry(values: Record<string, string | string[]>): EntryView {
  return new EntryView({ dn: 'uid=x,ou=people,dc=example,dc=gov,dc=vn', ...values });
}

describe('username filters: LDAP special characters are values, escaped, never syntax', () => {
  it.each([
    ['nv(1)', '(uid=nv\\281\\29)'],
    ['x*y', '(uid=x\\2ay)'],
    ['a\\b', '(uid=a\\5cb)'],
    ['a+b', '(uid=a+b)'],
    ['a,b', '(uid=a,b)'],
    ['*)(uid=*', '(uid=\\2a\\29\\28uid=\\2a)'],
  ])('%s is one equality assertion %s', (username, text) => {
    const f = criteriaFilter(parseSearchQuery(username), attrs)!;
    expect(f).toBeInstanceOf(EqualityFilter);
    expect(f.toString()).toBe(text);
    // RFC 4515: the text form parses back to the very same value (a `*` is not a wildcard) …
    const parsed = FilterParser.parseString(f.toString());
    expect(parsed).toBeInstanceOf(EqualityFilter);
    expect((parsed as EqualityFilter).value).toBe(username);
    // … and on the wire it is the raw value in an equalityMatch, not a substrings filter.
    const wire = onTheWire(f);
    expect(wire).toBeInstanceOf(EqualityFilter);
    expect((wire as EqualityFilter).value).toBe(username);
  });

  it('confirms only the exact username (case-insensitive)', () => {
    const [c] = parseSearchQuery('X*Y', 'username');
    expect(confirmsCriteria(entry({ uid: 'x*y' }), [c!], attrs)).toBe(true);
    expect(confirmsCriteria(entry({ uid: 'xzy' }), [c!], attrs)).toBe(false);
    expect(confirmsCriteria(entry({ uid: 'x*yz' }), [c!], attrs)).toBe(false);
  });
});

describe('mobile filters: every punctuation and prefix', () => {
  const criteria = parseSearchQuery('0912345698', 'phone');

  it('asks first for the usual written forms, by equality (indexed)', () => {
    const f = criteriaFilter(criteria, attrs)!;
    expect(f).toBeInstanceOf(OrFilter);
    const values = (f as OrFilter).filters.map((x) => (x as EqualityFilter).value);
    expect((f as OrFilter).filters.every((x) => x instanceof EqualityFilter)).toBe(true);
    for (const v of ['0912345698', '+84912345698', '84912345698', '0084912345698', '912345698', '0912.345.698', '091.234.5698', '+84.912.345.698', '+84 912.345.698', '84.912.345.698', '0912 345 698', '+84 912 345 698', '0912-345-698']) {
      expect(values).toContain(v);
    }
  });

  it('the wider reading asks for the digits in order with anything between', () => {
    const wider = widerReading(criteria)!;
    expect(wider).toEqual([{ kind: 'phone', national: '0912345698', anyPunctuation: true }]);
    // In the mobile attribute and in its fallback (telephoneNumber, by default).
    const f = criteriaFilter(wider, attrs)!;
    expect(f.toString()).toBe('(|(mobile=*9*1*2*3*4*5*6*9*8*)(telephoneNumber=*9*1*2*3*4*5*6*9*8*))');
    expect((f as OrFilter).filters.every((x) => x instanceof SubstringFilter)).toBe(true);
    expect(f.matches({ mobile: '0912.34.56.98' })).toBe(true);
    expect(f.matches({ mobile: '0912/345/698' })).toBe(true);
    expect(f.matches({ telephoneNumber: '0912/345/698' })).toBe(true);
    // With no fallback: the mobile attribute alone.
    expect(criteriaFilter(wider, { ...attrs, mobileFallbacks: [] })!.toString()).toBe('(mobile=*9*1*2*3*4*5*6*9*8*)');
    // Only a mobile has a wider reading.
    expect(widerReading(parseSearchQuery('annv'))).toBeNull();
    expect(widerReading(parseSearchQuery('0314409058'))).toEqual([{ kind: 'phone', national: '0314409058', anyPunctuation: true }]);
  });

  it.each(['0912.345.698', '0912 345 698', '0912-345-698', '+84 912 345 698', '+84.912.345.698', '84912345698'])(
    'confirms %s',
    (stored) => {
      expect(confirmsCriteria(entry({ mobile: stored }), criteria, attrs)).toBe(true);
      expect(confirmsCriteria(entry({ mobile: ['0977000111', stored] }), criteria, attrs)).toBe(true);
    },
  );

  it('looks in the mobile attribute and in each fallback, by equality, one value each, BER-encoded', () => {
    const a = { ...attrs, mobileFallbacks: ['telephoneNumber', 'homePhone', 'mobile'] };
    const f = onTheWire(criteriaFilter(criteria, a)!) as OrFilter;
    const by = (attribute: string) => f.filters.filter((x) => (x as EqualityFilter).attribute.toLowerCase() === attribute.toLowerCase()).map((x) => (x as EqualityFilter).value);
    expect(by('mobile').length).toBeGreaterThan(5);
    expect(by('telephoneNumber')).toEqual(by('mobile'));
    expect(by('homePhone')).toEqual(by('mobile'));
    expect(f.filters).toHaveLength(3 * by('mobile').length); // `mobile` named twice: asked once
    expect(f.filters.every((x) => x instanceof EqualityFilter)).toBe(true);
  });

  it.each(['0912.345.698', '+84 912 345 698'])('confirms %s in a fallback attribute, not in an attribute that is not mapped', (stored) => {
    expect(confirmsCriteria(entry({ telephoneNumber: stored }), criteria, attrs)).toBe(true);
    expect(confirmsCriteria(entry({ mobile: '0977000111', telephoneNumber: stored }), criteria, attrs)).toBe(true);
    expect(confirmsCriteria(entry({ homePhone: stored }), criteria, attrs)).toBe(false);
    expect(confirmsCriteria(entry({ telephoneNumber: stored }), criteria, { ...attrs, mobileFallbacks: [] })).toBe(false);
  });

  it.each(['0991.234.569.8', '09123456980', '0912.345.699', '+84 1912 345 698'])('drops %s, which the substring match lets through', (stored) => {
    expect(confirmsCriteria(entry({ mobile: stored }), criteria, attrs)).toBe(false);
    expect(confirmsCriteria(entry({ mobile: stored }), widerReading(criteria)!, attrs)).toBe(false);
  });
});

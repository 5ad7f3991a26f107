import { describe, expect, it } from 'vitest';
import { deltaStart } from '../../src-main/adapters/ldap/ldap-directory';

// Where a delta read of the search index starts (issue #15).
describe('deltaStart', () => {
  it('moves a modifyTimestamp mark back by the duration it carries', () => {
    expect(deltaStart('20261207025500Z;12', 'generalizedTime')).toBe('20261207025448Z');
    expect(deltaStart('20261207000005Z;10', 'generalizedTime')).toBe('20261206235955Z');
  });

  it('by at least two seconds (whole-second timestamps), also without a duration', () => {
    expect(deltaStart('20261207025500Z;0', 'generalizedTime')).toBe('20261207025458Z');
    expect(deltaStart('20261207025500Z', 'generalizedTime')).toBe('20261207025458Z');
  });

  it('keeps a change number (AD uSNChanged) as it is', () => {
    expect(deltaStart('123456', 'integer')).toBe('123456');
  });
});

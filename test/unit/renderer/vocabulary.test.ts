import { describe, expect, it } from 'vitest';
import { ACTION_LABELS_VI } from '../../../src-main/adapters/export/monthly-report';
import { AUDIT_ACTIONS } from '../../../src-main/common/audit-dto';
import { auditMessages } from '../../../src-renderer/src/i18n/vi/audit';

// Issue #14 items 7 and 8, in part: one word for one thing. The monthly PDF (it goes out with an official
// letter) names every audited action with the very label the audit view shows.
describe('one vocabulary: the monthly report names every action as the screens do', () => {
  it('has the Vietnamese label of the audit view for every audited action, and no other', () => {
    const nested = auditMessages.audit.actions as Record<string, Record<string, string>>;
    for (const action of AUDIT_ACTIONS) {
      const [group, name] = action.split('.') as [string, string];
      expect(ACTION_LABELS_VI[action], action).toBe(nested[group]![name]);
    }
    expect(Object.keys(ACTION_LABELS_VI).sort()).toEqual([...AUDIT_ACTIONS].sort());
  });
});

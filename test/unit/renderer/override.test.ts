import { describe, expect, it } from 'vitest';
import type { OverrideInput } from '../../../src-main/common/dto';
import type { ApiError } from '../../../src-main/common/result';
import { INPUT_SCHEMAS } from '../../../src-main/common/schemas';
import { caseView, noContactCase } from './case-fixtures';
import * as __flows_override from '../../../src-renderer/src/flows/override';
import { IDENTITY_CHECKS } from '../../../src-main/common/dto';

const flows = __flows_override;

const CASE_ID = caseView().id;
const missing = { status: 'missing', masked: null } as const;
const invalid = { status: 'invalid', masked: null } as const;
const mobile = { status: 'present', masked: '09*****98' } as const;

describe('overrideOffer', () => {
  it('no usable contact: a supervisor verifies instead, an operator is told one is needed', () => {
    const none = noContactCase();
    expect(flows.anyUsableContact(none)).toBe(false);
    expect(flows.overrideOffer(none, true)).toBe('primary');
    expect(flows.overrideOffer(none, false)).toBe('needs-supervisor');
    // An invalid contact is no better than none.
    const bad = { channels: { sms: invalid, email: missing } };
    expect(flows.overrideOffer(bad, true)).toBe('primary');
    expect(flows.overrideOffer(bad, false)).toBe('needs-supervisor');
  });

  it('a usable contact: the code is the way; a supervisor may still say the caller cannot reach it', () => {
    const one = { channels: { sms: mobile, email: missing } };
    expect(flows.anyUsableContact(one)).toBe(true);
    expect(flows.overrideOffer(one, false)).toBe('none');
    expect(flows.overrideOffer(one, true)).toBe('unreachable');
    expect(flows.overrideOffer(caseView(), false)).toBe('none');
    expect(flows.overrideOffer(caseView(), true)).toBe('unreachable');
  });
});

describe('overrideInput', () => {
  const valid = (input: OverrideInput | ApiError): OverrideInput => {
    expect('code' in input, JSON.stringify(input)).toBe(false);
    const parsed = INPUT_SCHEMAS.cases.override.safeParse(input);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    return input as OverrideInput;
  };

  it('the CCCD check sends the number without white space, and a trimmed note', () => {
    const input = valid(flows.overrideInput(CASE_ID, { check: 'citizen-id', citizenId: ' 024 681 357 ', note: '  Mất SIM; CMND khớp ' }, false));
    expect(input).toEqual({ caseId: CASE_ID, check: 'citizen-id', citizenId: '024681357', note: 'Mất SIM; CMND khớp' });
  });

  it('another check sends no CCCD, even one typed before the check changed', () => {
    for (const check of ['identity-document', 'agency-letter'] as const) {
      const input = valid(flows.overrideInput(CASE_ID, { check, citizenId: '024681357', note: 'Đã xem CCCD bản gốc' }, false));
      expect(input).toEqual({ caseId: CASE_ID, check, note: 'Đã xem CCCD bản gốc' });
      expect(input).not.toHaveProperty('citizenId');
    }
  });

  it('says explicitly when the caller cannot reach the contacts on record', () => {
    const input = valid(flows.overrideInput(CASE_ID, { check: 'agency-letter', citizenId: '', note: 'Công văn số 12/STTTT' }, true));
    expect(input.contactsUnreachable).toBe(true);
    const plain = valid(flows.overrideInput(CASE_ID, { check: 'agency-letter', citizenId: '', note: 'Công văn số 12/STTTT' }, false));
    expect(plain).not.toHaveProperty('contactsUnreachable');
  });

  it('asks for the CCCD (with that check) and the note before anything is sent', () => {
    expect(flows.overrideInput(CASE_ID, { check: 'citizen-id', citizenId: '   ', note: 'x' }, false)).toEqual({
      code: 'VALIDATION_FAILED',
      field: 'citizenId',
      reason: 'required',
    });
    expect(flows.overrideInput(CASE_ID, { check: 'identity-document', citizenId: '', note: ' \n ' }, false)).toEqual({
      code: 'VALIDATION_FAILED',
      field: 'note',
      reason: 'required',
    });
  });

  it('offers every check the contract accepts, none other', () => {
    expect([...flows.IDENTITY_CHECK_OPTIONS].sort()).toEqual([...IDENTITY_CHECKS].sort());
  });
});

describe('overrideFeedback', () => {
  it('a CCCD that does not match, with the tries left', () => {
    expect(flows.overrideFeedback({ code: 'IDENTITY_MISMATCH', attemptsLeft: 2 })).toEqual({ kind: 'mismatch', attemptsLeft: 2 });
    expect(flows.overrideFeedback({ code: 'IDENTITY_MISMATCH', attemptsLeft: 0 })).toEqual({ kind: 'mismatch', attemptsLeft: 0 });
    // Without a readable count, just the translated code.
    expect(flows.overrideFeedback({ code: 'IDENTITY_MISMATCH' })).toEqual({ kind: 'error' });
  });

  it('a field to fix, or any other refusal', () => {
    expect(flows.overrideFeedback({ code: 'VALIDATION_FAILED', field: 'note' })).toEqual({ kind: 'field', field: 'note' });
    expect(flows.overrideFeedback({ code: 'VALIDATION_FAILED', field: 'citizenId' })).toEqual({ kind: 'field', field: 'citizenId' });
    expect(flows.overrideFeedback({ code: 'VALIDATION_FAILED', field: 'caseId' })).toEqual({ kind: 'error' });
    expect(flows.overrideFeedback({ code: 'ACTION_NOT_PERMITTED' })).toEqual({ kind: 'error' });
    expect(flows.overrideFeedback({ code: 'ROLE_NOT_ALLOWED' })).toEqual({ kind: 'error' });
  });
});

import { describe, expect, it } from 'vitest';
import { matchesAtPath, scalarText, valueAtPath } from '../../../src-main/adapters/sms/json-path';

const answer = {
  status: 'success',
  code: '00',
  ok: true,
  count: 1,
  data: { tranId: 123456, nested: { deep: 'x' } },
  messages: [{ id: 'm-1' }, { id: 'm-2' }],
  empty: null,
};

describe('valueAtPath', () => {
  it('follows dotted paths, array indexes and [n]', () => {
    expect(valueAtPath(answer, 'status')).toBe('success');
    expect(valueAtPath(answer, 'data.tranId')).toBe(123456);
    expect(valueAtPath(answer, 'data.nested.deep')).toBe('x');
    expect(valueAtPath(answer, 'messages.1.id')).toBe('m-2');
    expect(valueAtPath(answer, 'messages[0].id')).toBe('m-1');
  });

  it('an empty path is the whole value', () => {
    expect(valueAtPath(answer, '')).toBe(answer);
  });

  it('missing, through null, through scalars, bad indexes: undefined', () => {
    expect(valueAtPath(answer, 'nope')).toBeUndefined();
    expect(valueAtPath(answer, 'empty.x')).toBeUndefined();
    expect(valueAtPath(answer, 'status.length')).toBeUndefined();
    expect(valueAtPath(answer, 'messages.5.id')).toBeUndefined();
    expect(valueAtPath(answer, 'messages.id')).toBeUndefined();
    expect(valueAtPath('text', 'a')).toBeUndefined();
  });

  it('follows own properties only', () => {
    expect(valueAtPath(answer, '__proto__')).toBeUndefined();
    expect(valueAtPath(answer, 'constructor.name')).toBeUndefined();
    expect(valueAtPath(answer, 'data.toString')).toBeUndefined();
    expect(valueAtPath(JSON.parse('{"__proto__":{"a":"b"}}'), '__proto__.a')).toBe('b');
  });
});

describe('matchesAtPath (success predicate)', () => {
  it('compares strings exactly', () => {
    expect(matchesAtPath(answer, 'status', 'success')).toBe(true);
    expect(matchesAtPath(answer, 'status', 'Success')).toBe(false);
    expect(matchesAtPath(answer, 'code', '00')).toBe(true);
    expect(matchesAtPath(answer, 'code', '0')).toBe(false);
  });

  it('compares numbers and booleans by their JSON spelling', () => {
    expect(matchesAtPath(answer, 'count', '1')).toBe(true);
    expect(matchesAtPath(answer, 'ok', 'true')).toBe(true);
    expect(matchesAtPath(answer, 'data.tranId', '123456')).toBe(true);
  });

  it('never matches objects, arrays, null or absent values', () => {
    expect(matchesAtPath(answer, 'data', '[object Object]')).toBe(false);
    expect(matchesAtPath(answer, 'messages', '')).toBe(false);
    expect(matchesAtPath(answer, 'empty', 'null')).toBe(false);
    expect(matchesAtPath(answer, 'missing', '')).toBe(false);
    expect(matchesAtPath(answer, 'missing', 'undefined')).toBe(false);
  });

  it('scalarText', () => {
    expect(scalarText(0)).toBe('0');
    expect(scalarText(false)).toBe('false');
    expect(scalarText(Number.NaN)).toBeNull();
    expect(scalarText(undefined)).toBeNull();
  });
});

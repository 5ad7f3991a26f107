import { describe, expect, it } from 'vitest';
import { jsonStringContent, renderTemplate } from '../../../src-main/adapters/sms/template';

const values = { to: '84912345678', text: 'Ma OTP: 482913', requestId: 'req-1' };

describe('renderTemplate (json)', () => {
  it('fills the three placeholders, tolerating spaces inside the braces', () => {
    const out = renderTemplate('{"to":"{{to}}","msg":"{{ text }}","id":"{{requestId}}"}', values, 'json');
    expect(JSON.parse(out)).toEqual({ to: '84912345678', msg: 'Ma OTP: 482913', id: 'req-1' });
  });

  it('escapes quotes, backslashes, newlines and control characters so the JSON stays valid', () => {
    const text = 'a "quoted" \\ back\nnew\tline \u0001 end';
    const out = renderTemplate('{"text":"{{text}}"}', { ...values, text }, 'json');
    expect(JSON.parse(out)).toEqual({ text });
    expect(out).not.toContain('\n');
  });

  it('keeps non-ASCII text as is (valid JSON)', () => {
    const text = 'Mã OTP đây €';
    expect(JSON.parse(renderTemplate('{"t":"{{text}}"}', { ...values, text }, 'json'))).toEqual({ t: text });
  });

  it('does not expand placeholders that come from a value (one pass)', () => {
    const out = renderTemplate('{"a":"{{text}}","b":"{{to}}"}', { ...values, text: '{{to}}' }, 'json');
    expect(JSON.parse(out)).toEqual({ a: '{{to}}', b: '84912345678' });
  });

  it('leaves unknown placeholders and repeats known ones', () => {
    expect(renderTemplate('{{to}}-{{to}}-{{brand}}', values, 'json')).toBe('84912345678-84912345678-{{brand}}');
  });

  it('jsonStringContent is JSON.stringify without the quotes', () => {
    expect(jsonStringContent('x"y')).toBe('x\\"y');
    expect(jsonStringContent('')).toBe('');
  });
});

describe('renderTemplate (url: form bodies and GET queries)', () => {
  it('percent-encodes reserved characters so each value stays one field', () => {
    const text = 'a&b=c + d%e?f#g/h';
    const out = renderTemplate('to={{to}}&text={{text}}&id={{requestId}}', { ...values, text }, 'url');
    expect(Object.fromEntries(new URLSearchParams(out))).toEqual({ to: '84912345678', text, id: 'req-1' });
    expect(out).not.toContain(' ');
  });

  it('encodes UTF-8 text', () => {
    const out = renderTemplate('t={{text}}', { ...values, text: 'đ' }, 'url');
    expect(out).toBe('t=%C4%91');
  });
});

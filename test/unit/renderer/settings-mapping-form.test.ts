import { describe, expect, it } from 'vitest';
import { directoryDefaults } from '../../../src-main/common/dialects';
import { directorySettingsSchema } from '../../../src-main/common/settings';
import { FIELDS, MOBILE_FALLBACKS, shownAt } from '../../../src-renderer/src/components/settings/settings-fields';
import { attributeMappingOf, attributesFormOf, blankDirectory, directoryFormOf, directorySettingsOf } from '../../../src-renderer/src/flows/settings-form';

// Issue #15 item 4: the settings form edits the mobile's fallback attributes as one line of text, and the
// server name expected on the certificate as a plain field; both go back to the profile as the schema wants.
describe('settings form: the mobile fallbacks and the TLS server name', () => {
  it('a new profile has the dialect defaults: telephoneNumber as the fallback, no server name', () => {
    const d = blankDirectory('active-directory');
    expect(d.attributes.mobileFallbacks).toBe('telephoneNumber');
    expect(d.tlsServerName).toBe('');
  });

  it('text ↔ list: commas or spaces between names, empty names dropped', () => {
    expect(attributeMappingOf({ ...attributesFormOf(directoryDefaults('openldap').attributes), mobileFallbacks: ' telephoneNumber,  homePhone ,,pager ' }).mobileFallbacks).toEqual([
      'telephoneNumber',
      'homePhone',
      'pager',
    ]);
    expect(attributeMappingOf({ ...attributesFormOf(directoryDefaults('openldap').attributes), mobileFallbacks: '  ' }).mobileFallbacks).toEqual([]);
  });

  it('a saved profile goes through the form and back unchanged, and the schema takes it', () => {
    const saved = directorySettingsSchema.parse({
      ...directoryDefaults('openldap'),
      url: 'ldaps://10.0.0.5',
      tlsServerName: 'ldap.tphcm.gov.vn',
      baseDn: 'dc=tphcm,dc=gov,dc=vn',
      serviceBindDn: 'cn=helpdesk,dc=tphcm,dc=gov,dc=vn',
      attributes: { ...directoryDefaults('openldap').attributes, mobileFallbacks: ['telephoneNumber', 'homePhone'] },
    });
    const form = directoryFormOf(saved);
    expect(form.attributes.mobileFallbacks).toBe('telephoneNumber, homePhone');
    expect(directorySettingsOf(form)).toEqual(saved);
  });

  it('an error on one fallback attribute is shown at the field of the list; the server name has its field', () => {
    expect(shownAt(`${MOBILE_FALLBACKS}.1`)).toBe(MOBILE_FALLBACKS);
    expect(FIELDS.has(MOBILE_FALLBACKS)).toBe(true);
    expect(FIELDS.has('settings.directory.tlsServerName')).toBe(true);
  });
});

import { computed, inject, type InjectionKey } from 'vue';
import { useI18n } from 'vue-i18n';

/** What every field component (TextField, SelectField, TextareaField) is given besides its value. */
export interface FieldProps {
  /** The contract field path the control edits: its id (`fieldId`), and errors with this `field` show here. */
  path: string;
  /** Its label; by default the message whose key is the path (`settings.mail.host`). */
  label?: string;
  hint?: string | null;
  /** Its error; by default what the form around it (FIELD_ERRORS) says of the path. */
  error?: string | null;
  /** The control's `data-testid`; by default the path in kebab case (`settings-mail-from-address`). */
  testid?: string;
}

/** The error message a form has for one of its field paths (provided by the settings screen). */
export const FIELD_ERRORS: InjectionKey<(path: string) => string | null> = Symbol('field-errors');

/** `settings.sms.smsType` → `settings-sms-sms-type`. */
export function pathTestId(path: string): string {
  return path.replace(/\./gu, '-').replace(/[A-Z]/gu, (c) => `-${c.toLowerCase()}`);
}

/** A field's label, error and test id: as given, or derived from its path (one place for the rule). */
export function useFieldText(props: FieldProps) {
  const { t } = useI18n();
  const errorFor = inject(FIELD_ERRORS, null);
  return {
    label: computed(() => props.label ?? t(props.path)),
    error: computed(() => (props.error !== undefined ? props.error : (errorFor?.(props.path) ?? null))),
    testid: computed(() => props.testid ?? pathTestId(props.path)),
  };
}

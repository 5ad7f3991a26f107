/** What every field component (TextField, SelectField, TextareaField) is given besides its value. */
export interface FieldProps {
  /** The contract field path the control edits: its id (`fieldId`), and errors with this `field` show here. */
  path: string;
  label: string;
  hint?: string | null;
  error?: string | null;
  /** The control's `data-testid`. */
  testid?: string;
}

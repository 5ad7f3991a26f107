/** The values a generic gateway's body or query template can name. */
export interface TemplateValues {
  to: string;
  text: string;
  requestId: string;
}

/** `json`: values go inside JSON string literals; `url`: form bodies and GET queries. */
export type TemplateEncoding = 'json' | 'url';

const PLACEHOLDER = /\{\{\s*(to|text|requestId)\s*\}\}/gu;

/** A string's JSON escaping without the surrounding quotes: `"` `\` and control characters. */
export function jsonStringContent(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

/**
 * Fills `{{to}}`, `{{text}}`, `{{requestId}}` in one pass: a value that itself contains `{{text}}`
 * is not expanded again. For JSON, placeholders belong inside quotes (`"text":"{{text}}"`).
 * Other `{{…}}` are left as written.
 */
export function renderTemplate(template: string, values: TemplateValues, encoding: TemplateEncoding): string {
  const encode = encoding === 'json' ? jsonStringContent : encodeURIComponent;
  return template.replace(PLACEHOLDER, (_match, name: keyof TemplateValues) => encode(values[name]));
}

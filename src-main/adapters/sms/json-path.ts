/**
 * Dotted paths into a gateway's JSON answer: `status`, `data.tranId`, `messages.0.id` (also
 * `messages[0].id`). Only own properties are followed (no `__proto__`, no `constructor`).
 * An empty path names the whole value.
 */
export function valueAtPath(root: unknown, path: string): unknown {
  const segments = path
    .replace(/\[(\d+)\]/gu, '.$1')
    .split('.')
    .filter((s) => s !== '');
  let node: unknown = root;
  for (const segment of segments) {
    if (node === null || typeof node !== 'object') return undefined;
    if (Array.isArray(node)) {
      if (!/^\d+$/u.test(segment)) return undefined;
      node = node[Number(segment)];
    } else {
      if (!Object.hasOwn(node, segment)) return undefined;
      node = (node as Record<string, unknown>)[segment];
    }
  }
  return node;
}

/** A scalar as the settings' successValue would spell it; null for objects, arrays, null, absent. */
export function scalarText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return null;
}

/** The generic gateway's success predicate: the value at `path` spells exactly `expected`. */
export function matchesAtPath(root: unknown, path: string, expected: string): boolean {
  return scalarText(valueAtPath(root, path)) === expected;
}

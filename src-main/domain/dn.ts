/** RDNs of a DN string, splitting only on commas that are not escaped (RFC 4514: `\,` and `\\`). */
function splitRdns(dn: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < dn.length; i++) {
    const ch = dn[i]!;
    if (ch === '\\' && i + 1 < dn.length) {
      cur += ch + dn[i + 1]!;
      i++;
    } else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Case- and space-insensitive key of a DN for "same entry" and "is under base" checks. */
export function dnKey(dn: string): string {
  return splitRdns(dn)
    .map((rdn) => rdn.trim().toLowerCase())
    .join(',');
}

/** True when `dn` is the base or lies below it (a whole-RDN suffix match, not a string suffix). */
export function isUnder(dn: string, baseKey: string): boolean {
  const rdns = splitRdns(dn).map((r) => r.trim().toLowerCase());
  const base = splitRdns(baseKey);
  if (rdns.length < base.length) return false;
  const tail = rdns.slice(rdns.length - base.length);
  return tail.every((r, i) => r === base[i]);
}

/**
 * Key of an account's limits, counters and identity: its permanent id (entryUUID, objectGUID, zimbraId)
 * when the directory gives one — a renamed entry keeps it, a new entry at the same DN does not — else its DN.
 */
export function accountKeyOf(a: { dn: string; stableId: string | null }): string {
  return a.stableId ? `id:${a.stableId.toLowerCase()}` : dnKey(a.dn);
}

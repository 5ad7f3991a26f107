/** Parses LDAP GeneralizedTime (`20261119083000Z`, `20261119083000.123Z`, `202611190830+0700`). */
export function parseGeneralizedTime(value: string | undefined | null): Date | null {
  if (!value) return null;
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})?(\d{2})?(?:[.,](\d+))?(Z|[+-]\d{4})?$/u.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi = '00', s = '00', frac = '0', tz = 'Z'] = m;
  const ms = Math.round(Number(`0.${frac}`) * 1000);
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  if (tz !== 'Z') {
    const sign = tz.startsWith('-') ? -1 : 1;
    t -= sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(3, 5))) * 60_000;
  }
  return Number.isNaN(t) ? null : new Date(t);
}

/** Windows FILETIME (100 ns since 1601-01-01), as AD stores lockoutTime and pwdLastSet. */
export function parseFileTime(value: string | undefined | null): Date | null {
  if (!value || !/^\d+$/u.test(value)) return null;
  const n = BigInt(value);
  if (n === 0n || n >= 0x7fffffffffffffffn) return null;
  return new Date(Number(n / 10_000n - 11_644_473_600_000n));
}

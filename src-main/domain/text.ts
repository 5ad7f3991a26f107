/**
 * Vietnamese text folding: NFD, drop combining marks, đ→d, Đ→D. "Nguyễn Văn Ân" → "Nguyen Van An".
 * Used for diacritic-insensitive name search and for unaccented SMS.
 */
export function foldDiacritics(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/đ/gu, 'd')
    .replace(/Đ/gu, 'D')
    .normalize('NFC');
}

/** Folded, lower-cased words of a name: "  Nguyễn  Văn-An " → ["nguyen", "van", "an"]. */
export function nameWords(text: string): string[] {
  return foldDiacritics(text)
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

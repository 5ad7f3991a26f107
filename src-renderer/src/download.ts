/**
 * Saves text through the browser's own download (a Blob and an `<a download>`): the browser, or
 * Electron's save dialog, decides where. Nothing goes through the main process.
 */
export function downloadText(name: string, text: string, type = 'text/plain;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  try {
    a.click();
  } finally {
    a.remove();
    // The download reads the Blob after the click returns: let it go a little later.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}

/** The class on `<html>` that limits printing to one block (styles.css, `@media print`). */
export const PRINT_ONLY_CLASS = 'print-only-block';

/**
 * Prints only the element marked `.print-block` (outside `#app`): the class stays on `<html>` until
 * the print is over (`afterprint`), whether `window.print()` waits for the dialog or not.
 */
export function printBlock(): void {
  const root = document.documentElement;
  root.classList.add(PRINT_ONLY_CLASS);
  window.addEventListener('afterprint', () => root.classList.remove(PRINT_ONLY_CLASS), { once: true });
  window.print();
}

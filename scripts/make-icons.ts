/**
 * The application icon: a white headset with its microphone on the app's blue (`--primary`
 * #0b4f9c, `--primary-strong` #083b76 in src-renderer/src/styles.css).
 *
 *   npx tsx scripts/make-icons.ts        (or `npm run icons`)
 *
 * Writes into resources/icons/:
 *   icon.svg                 the source drawing (512 units)
 *   NxN.png                  16, 24, 32, 48, 64, 128, 256, 512 px: the Linux icon set (electron-builder
 *                            takes the size from the name) and the window icon
 *   icon.ico                 Windows: the 16–256 px PNGs in one ICO container (PNG-compressed entries,
 *                            read by Windows Vista and later; 256 px is what electron-builder requires)
 *
 * The PNGs are rendered by Chromium (Debian's /usr/bin/chromium through Playwright, headless, transparent
 * background), each size from the vector so small sizes stay sharp; at 32 px and below a bolder variant
 * of the same drawing is used so the headband does not vanish. The outputs are committed: packaging
 * never needs Chromium. Run again only when the drawing changes.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { pngSize } from './image-headers';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ICON_DIR = join(root, 'resources', 'icons');
export const PNG_SIZES = [16, 24, 32, 48, 64, 128, 256, 512] as const;
export const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256] as const;
const CHROMIUM = process.env.HELPDESK_CHROMIUM ?? '/usr/bin/chromium';

/** The drawing, on a 512 × 512 canvas. `bold` thickens the strokes for the smallest sizes. */
export function iconSvg(bold = false): string {
  const band = bold ? 56 : 40; // headband stroke
  const boom = bold ? 34 : 24; // microphone boom stroke
  return `<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512" viewBox="0 0 512 512">
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#0b4f9c"/>
      <stop offset="1" stop-color="#083b76"/>
    </linearGradient>
  </defs>
  <rect x="16" y="16" width="480" height="480" rx="104" fill="url(#bg)"/>
  <g fill="none" stroke="#ffffff" stroke-linecap="round">
    <path d="M132 286 V250 A124 124 0 0 1 380 250 V286" stroke-width="${band}"/>
    <path d="M362 374 Q362 420 300 420 H282" stroke-width="${boom}"/>
  </g>
  <g fill="#ffffff">
    <rect x="96" y="246" width="84" height="140" rx="34"/>
    <rect x="332" y="246" width="84" height="140" rx="34"/>
    <rect x="222" y="398" width="80" height="46" rx="23"/>
  </g>
</svg>
`;
}

/** An ICO file holding the given PNG images (one directory entry each, PNG data stored as is). */
export function icoFromPngs(pngs: readonly Buffer[]): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // type 1 = icon
  header.writeUInt16LE(pngs.length, 4);
  const entries: Buffer[] = [];
  let offset = 6 + 16 * pngs.length;
  for (const png of pngs) {
    const { width, height } = pngSize(png);
    if (width > 256 || height > 256) throw new Error(`ICO images are at most 256 px, got ${width}×${height}`);
    const e = Buffer.alloc(16);
    e.writeUInt8(width === 256 ? 0 : width, 0); // 0 means 256
    e.writeUInt8(height === 256 ? 0 : height, 1);
    e.writeUInt8(0, 2); // no palette
    e.writeUInt8(0, 3); // reserved
    e.writeUInt16LE(1, 4); // colour planes
    e.writeUInt16LE(32, 6); // bits per pixel
    e.writeUInt32LE(png.length, 8);
    e.writeUInt32LE(offset, 12);
    offset += png.length;
    entries.push(e);
  }
  return Buffer.concat([header, ...entries, ...pngs]);
}

async function main(): Promise<void> {
  mkdirSync(ICON_DIR, { recursive: true });
  writeFileSync(join(ICON_DIR, 'icon.svg'), iconSvg());
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  try {
    const page = await browser.newPage({ deviceScaleFactor: 1 });
    for (const size of PNG_SIZES) {
      await page.setViewportSize({ width: size, height: size });
      const svg = iconSvg(size <= 32).replace('width="512" height="512"', `width="${size}" height="${size}"`);
      await page.setContent(`<!doctype html><html><body style="margin:0;background:transparent">${svg}</body></html>`);
      const png = await page.locator('svg').screenshot({ omitBackground: true, type: 'png' });
      const got = pngSize(png);
      if (got.width !== size || got.height !== size) throw new Error(`rendered ${got.width}×${got.height} for ${size}`);
      writeFileSync(join(ICON_DIR, `${size}x${size}.png`), png);
      console.log(`resources/icons/${size}x${size}.png`);
    }
  } finally {
    await browser.close();
  }
  const ico = icoFromPngs(ICO_SIZES.map((s) => readFileSync(join(ICON_DIR, `${s}x${s}.png`))));
  writeFileSync(join(ICON_DIR, 'icon.ico'), ico);
  console.log(`resources/icons/icon.ico (${ICO_SIZES.join(', ')} px)`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}

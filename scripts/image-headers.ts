/**
 * Reading image headers, for the icons: made by scripts/make-icons.ts, checked by
 * scripts/check-packaging.ts. Sizes come from the files themselves, not from their names.
 */

/** Width and height from a PNG's IHDR chunk; throws if the bytes are not a PNG. */
export function pngSize(png: Buffer): { width: number; height: number } {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (png.length < 24 || !png.subarray(0, 8).equals(signature) || png.toString('latin1', 12, 16) !== 'IHDR') {
    throw new Error('not a PNG file');
  }
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** The images of an ICO file: size and whether each is stored as PNG. */
export function icoImages(ico: Buffer): { width: number; height: number; png: boolean }[] {
  if (ico.length < 6 || ico.readUInt16LE(0) !== 0 || ico.readUInt16LE(2) !== 1) throw new Error('not an ICO file');
  const count = ico.readUInt16LE(4);
  const images: { width: number; height: number; png: boolean }[] = [];
  for (let i = 0; i < count; i++) {
    const at = 6 + 16 * i;
    if (at + 16 > ico.length) throw new Error('ICO directory truncated');
    const size = ico.readUInt32LE(at + 8);
    const offset = ico.readUInt32LE(at + 12);
    if (offset + size > ico.length) throw new Error(`ICO image ${i} runs past the end of the file`);
    const data = ico.subarray(offset, offset + size);
    let png = false;
    let { width, height } = { width: ico.readUInt8(at) || 256, height: ico.readUInt8(at + 1) || 256 };
    try {
      ({ width, height } = pngSize(data));
      png = true;
    } catch {
      // a BMP (DIB) entry: keep the directory's size
    }
    images.push({ width, height, png });
  }
  return images;
}

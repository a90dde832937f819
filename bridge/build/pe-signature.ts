/**
 * node.exe from the registry carries the OpenJS Foundation's Authenticode signature. Injecting the
 * blob changes the image, so that signature no longer verifies, and Windows (SmartScreen,
 * antivirus) treats a broken signature worse than none. Worse, the injection appends a section
 * after the signature, so signing tools then refuse the file. This removes the signature from the
 * base before injection, as `signtool remove /s` would, leaving the executable cleanly unsigned
 * and ready for a real release to sign it (see the report on Authenticode).
 */

/** IMAGE_DIRECTORY_ENTRY_SECURITY: the certificate table's data directory entry. */
const SECURITY_DIR = 4;

/** File offset and size of the certificate table (its "RVA" is a file offset), or null if unsigned. */
export function certificateTable(buf: Buffer): { offset: number; size: number } | null {
  const entry = securityEntry(buf);
  const offset = buf.readUInt32LE(entry);
  const size = buf.readUInt32LE(entry + 4);
  return offset && size ? { offset, size } : null;
}

/** A copy of a PE image without its Authenticode signature. Unsigned input is returned as a copy. */
export function withoutAuthenticode(buf: Buffer): Buffer {
  const table = certificateTable(buf);
  if (!table) return Buffer.from(buf);
  // The table is outside every section and is not mapped; it must be the file's tail to be cut off.
  if (table.offset + table.size !== buf.length) throw new Error('the certificate table is not at the end of the file; refusing to guess');
  const out = Buffer.from(buf.subarray(0, table.offset));
  const entry = securityEntry(out);
  out.writeUInt32LE(0, entry);
  out.writeUInt32LE(0, entry + 4);
  return out;
}

function securityEntry(buf: Buffer): number {
  if (buf.toString('latin1', 0, 2) !== 'MZ') throw new Error('no MZ header');
  const opt = buf.readUInt32LE(0x3c) + 24;
  if (buf.readUInt16LE(opt) !== 0x20b) throw new Error('not PE32+');
  if (buf.readUInt32LE(opt + 108) <= SECURITY_DIR) throw new Error('no certificate table directory');
  return opt + 112 + SECURITY_DIR * 8;
}

/**
 * E1381 frame checksum: the sum of the bytes from the frame number through ETB/ETX inclusive,
 * modulo 256, sent as two hex digits (LIS01-A2 6.3.1.1). Upper case is sent; either case is read,
 * because several analyzers send lower case.
 */
export function checksum(bytes: Uint8Array, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += bytes[i];
  return sum & 0xff;
}

const HEX_UPPER = '0123456789ABCDEF';

export function checksumText(sum: number): string {
  return HEX_UPPER[(sum >> 4) & 0xf] + HEX_UPPER[sum & 0xf];
}

/** The value of one hex digit byte, or -1 when the byte is not a hex digit. */
export function hexDigitValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  return -1;
}

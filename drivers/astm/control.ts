/**
 * The E1381 / LIS01-A2 transmission control characters (LIS01-A2 6.3.1). They are the only
 * bytes the link layer gives a meaning to; everything else is frame text.
 */
export const STX = 0x02;
export const ETX = 0x03;
export const EOT = 0x04;
export const ENQ = 0x05;
export const ACK = 0x06;
export const LF = 0x0a;
export const CR = 0x0d;
export const NAK = 0x15;
export const ETB = 0x17;

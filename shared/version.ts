/** Versions every process states in its handshakes and status reports. */

declare const __APP_VERSION__: string | undefined;

/** The console's version; a build may stamp another (the update tests publish a v2). */
export const APP_VERSION: string = typeof __APP_VERSION__ === 'string' ? __APP_VERSION__ : '0.1.0';

/** Compares dotted versions numerically (`0.10.0` > `0.9.1`); a pre-release tag is ignored. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('-')[0].split('.').map(Number);
  const pb = b.split('-')[0].split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/**
 * The bridge wire protocol. Bump on any change a peer could misread; the page lists the versions
 * it can speak and the bridge refuses a page that speaks none of its own.
 */
export const WIRE_PROTOCOL_VERSION = 1;
export const SUPPORTED_WIRE_VERSIONS: readonly number[] = [1];

export const DEFAULT_BRIDGE_PORT = 17800;
export const DEFAULT_CLOUD_PORT = 8080;

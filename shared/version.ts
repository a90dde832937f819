/** Versions every process states in its handshakes and status reports. */

export const APP_VERSION = '0.1.0';

/**
 * The bridge wire protocol. Bump on any change a peer could misread; the page lists the versions
 * it can speak and the bridge refuses a page that speaks none of its own.
 */
export const WIRE_PROTOCOL_VERSION = 1;
export const SUPPORTED_WIRE_VERSIONS: readonly number[] = [1];

export const DEFAULT_BRIDGE_PORT = 17800;
export const DEFAULT_CLOUD_PORT = 8080;

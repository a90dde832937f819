import type { BridgeOs } from './bridge-wire.ts';

/** `GET /api/lis/bridge/latest?os=linux|win`: the bridge release the cloud wants stations to run. */
export interface BridgeRelease {
  version: string;
  os: BridgeOs;
  /** Bytes of the executable. */
  size: number;
  /** Lower-case hex SHA-256 of the executable. */
  sha256: string;
  /** Base64 Ed25519 signature of `releaseStatement(version, os, sha256)` by the release key. */
  signature: string;
  /** Where the page fetches the executable: absolute, or relative to the cloud's origin. */
  url: string;
}

export const BRIDGE_LATEST_PATH = '/lis/bridge/latest';

/**
 * What the release key signs. The version and platform are inside the signature, so a validly
 * signed old or other-platform build cannot be passed off as this release.
 */
export function releaseStatement(version: string, os: BridgeOs, sha256: string): string {
  return `lis-bridge release\nversion ${version}\nos ${os}\nsha256 ${sha256.toLowerCase()}\n`;
}

/** Largest executable a bridge accepts (Node's binary is ~120 MB; room to grow, none to exhaust the disk). */
export const MAX_RELEASE_BYTES = 400 * 1024 * 1024;

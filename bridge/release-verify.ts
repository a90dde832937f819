import { createPublicKey, verify } from 'node:crypto';
import { releaseStatement } from '../shared/bridge-release.ts';
import type { BridgeOs } from '../shared/bridge-wire.ts';
import { compareVersions } from '../shared/version.ts';

export interface ReleaseClaim {
  version: string;
  os: BridgeOs;
  sha256: string;
  signature: string;
}

/** Why a release may not replace the running bridge, or null when it may. */
export function releaseRefusal(claim: ReleaseClaim, running: string, publicKeyPem: string | null): string | null {
  if (!publicKeyPem) return 'this bridge was built without a release key, so it cannot verify updates; install the new version by hand';
  if (!/^[0-9a-f]{64}$/i.test(claim.sha256)) return 'the release names no valid SHA-256';
  if (compareVersions(claim.version, running) <= 0) return `the release (${claim.version}) is not newer than this bridge (${running})`;
  let ok = false;
  try {
    ok = verify(null, Buffer.from(releaseStatement(claim.version, claim.os, claim.sha256)), createPublicKey(publicKeyPem), Buffer.from(claim.signature, 'base64'));
  } catch {
    ok = false;
  }
  return ok ? null : 'the release signature is not valid for the built-in release key';
}

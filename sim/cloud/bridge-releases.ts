import { createHash, createPrivateKey, sign } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { releaseStatement, type BridgeRelease } from '../../shared/bridge-release.ts';
import type { BridgeOs } from '../../shared/bridge-wire.ts';
import { API_PREFIX } from '../../shared/cloud-api.ts';

export const BRIDGE_RELEASE_FILES = '/lis/bridge/releases';

/** Signs a release statement with a private key (PEM), as the release pipeline does. */
export function signRelease(privateKeyPem: string, version: string, os: BridgeOs, sha256: string): string {
  return sign(null, Buffer.from(releaseStatement(version, os, sha256)), createPrivateKey(privateKeyPem)).toString('base64');
}

export interface PublishedBridge {
  version: string;
  os: BridgeOs;
  file: string;
  /** The release signature; tests pass a wrong one on purpose. */
  signature: string;
}

/** The bridge releases the dev cloud offers, one per platform, as the real cloud's release table. */
export class BridgeReleases {
  private readonly byOs = new Map<BridgeOs, { release: BridgeRelease; file: string }>();

  publish(p: PublishedBridge): BridgeRelease {
    const bytes = readFileSync(p.file);
    const release: BridgeRelease = {
      version: p.version,
      os: p.os,
      size: statSync(p.file).size,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      signature: p.signature,
      url: `${API_PREFIX}${BRIDGE_RELEASE_FILES}/${p.os}/${encodeURIComponent(p.version)}`,
    };
    this.byOs.set(p.os, { release, file: p.file });
    return release;
  }

  latest(os: BridgeOs): BridgeRelease | null {
    return this.byOs.get(os)?.release ?? null;
  }

  /** Streams the executable behind `url`; false when no such release is published. */
  serve(os: string, version: string, res: ServerResponse): boolean {
    const entry = this.byOs.get(os as BridgeOs);
    if (!entry || entry.release.version !== version) return false;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': entry.release.size, 'cache-control': 'no-store' });
    createReadStream(entry.file).pipe(res);
    return true;
  }
}

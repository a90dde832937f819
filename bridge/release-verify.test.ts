import { generateKeyPairSync, sign } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { releaseStatement } from '../shared/bridge-release.ts';
import { releaseRefusal } from './release-verify.ts';

const pair = generateKeyPairSync('ed25519');
const pub = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const other = generateKeyPairSync('ed25519');
const sha = 'ab'.repeat(32);
const signed = (version: string, os: 'linux' | 'win', digest = sha, key = pair.privateKey) =>
  sign(null, Buffer.from(releaseStatement(version, os, digest)), key).toString('base64');

describe('releaseRefusal', () => {
  it('accepts a newer release signed by the built-in key for this platform', () => {
    expect(releaseRefusal({ version: '0.1.1', os: 'linux', sha256: sha, signature: signed('0.1.1', 'linux') }, '0.1.0', pub)).toBeNull();
  });

  it('refuses another key, another platform, another version or digest under the same signature', () => {
    const good = signed('0.1.1', 'linux');
    expect(releaseRefusal({ version: '0.1.1', os: 'linux', sha256: sha, signature: signed('0.1.1', 'linux', sha, other.privateKey) }, '0.1.0', pub)).toMatch(/signature/);
    expect(releaseRefusal({ version: '0.1.1', os: 'win', sha256: sha, signature: good }, '0.1.0', pub)).toMatch(/signature/);
    expect(releaseRefusal({ version: '0.1.2', os: 'linux', sha256: sha, signature: good }, '0.1.0', pub)).toMatch(/signature/);
    expect(releaseRefusal({ version: '0.1.1', os: 'linux', sha256: 'cd'.repeat(32), signature: good }, '0.1.0', pub)).toMatch(/signature/);
  });

  it('refuses a downgrade or the same version even when signed, and everything without a built-in key', () => {
    expect(releaseRefusal({ version: '0.1.0', os: 'linux', sha256: sha, signature: signed('0.1.0', 'linux') }, '0.1.0', pub)).toMatch(/not newer/);
    expect(releaseRefusal({ version: '0.0.9', os: 'linux', sha256: sha, signature: signed('0.0.9', 'linux') }, '0.1.0', pub)).toMatch(/not newer/);
    expect(releaseRefusal({ version: '0.1.1', os: 'linux', sha256: sha, signature: signed('0.1.1', 'linux') }, '0.1.0', null)).toMatch(/without a release key/);
  });

  it('never throws on arbitrary claims (garbage signatures, digests, versions)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (version, sha256, signature) => {
        const r = releaseRefusal({ version, os: 'linux', sha256, signature }, '0.1.0', pub);
        expect(typeof r).toBe('string');
      }),
    );
  });
});

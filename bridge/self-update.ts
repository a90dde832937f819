import { execFile } from 'node:child_process';
import { createHash, type Hash } from 'node:crypto';
import { open, rename, rm, chmod, type FileHandle } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { MAX_RELEASE_BYTES } from '../shared/bridge-release.ts';
import type { BridgeOs } from '../shared/bridge-wire.ts';
import type { BridgeLog } from './bridge-log.ts';
import { releaseRefusal } from './release-verify.ts';
import { rolledBackVersion, writeTrial } from './update-trial.ts';

/** The page may run this far ahead of what is on disk; the bridge's memory stays bounded. */
export const UPDATE_WINDOW_BYTES = 4 * 1024 * 1024;
const SELF_TEST_TIMEOUT_MS = 20_000;

export interface SelfUpdateOptions {
  /** The running executable: what gets replaced. */
  exePath: string;
  dataDir: string;
  os: BridgeOs;
  version: string;
  publicKeyPem: string | null;
  log: BridgeLog;
}

export interface Announced {
  version: string;
  size: number;
  sha256: string;
  signature: string;
}

export type UpdateVerdict = { ok: true } | { ok: false; reason: string };

/**
 * One self-update at a time: receive the release to a file beside the executable, check size,
 * SHA-256 and the release signature, start it once (`self-test`), and only then swap it in.
 * Analyzers are served throughout; nothing here blocks the event loop for long.
 */
export class SelfUpdate {
  private receiving: { meta: Announced; file: FileHandle; hash: Hash; received: number; written: number; failed: string | null; chain: Promise<void> } | null = null;
  private staged: { version: string; path: string } | null = null;

  constructor(private readonly opts: SelfUpdateOptions) {}

  private get downloadPath(): string {
    return join(dirname(this.opts.exePath), `.${basename(this.opts.exePath)}.download`);
  }

  /** Starts receiving; a refusal (reason) if the announcement alone rules the release out. */
  async begin(meta: Announced): Promise<string | null> {
    await this.abort();
    if (meta.size > MAX_RELEASE_BYTES) return `the release is ${meta.size} bytes, over the ${MAX_RELEASE_BYTES}-byte limit`;
    if (rolledBackVersion(this.opts.dataDir) === meta.version) return `version ${meta.version} was rolled back here after failing to start; it will not be taken again`;
    const why = releaseRefusal({ ...meta, os: this.opts.os }, this.opts.version, this.opts.publicKeyPem);
    if (why) return why;
    await rm(this.downloadPath, { force: true });
    const file = await open(this.downloadPath, 'wx', 0o700);
    this.receiving = { meta, file, hash: createHash('sha256'), received: 0, written: 0, failed: null, chain: Promise.resolve() };
    this.opts.log('info', 'update-receiving', { version: meta.version, size: meta.size });
    return null;
  }

  /** The next piece; `onWritten` reports how much is safely on disk (the page's flow control). */
  chunk(bytes: Uint8Array, onWritten: (written: number) => void): void {
    const r = this.receiving;
    if (!r || r.failed) return;
    r.received += bytes.length;
    if (r.received > r.meta.size) {
      r.failed = `more bytes than announced (${r.meta.size})`;
      return;
    }
    const copy = Buffer.from(bytes);
    r.hash.update(copy);
    r.chain = r.chain.then(async () => {
      if (r.failed) return;
      try {
        await r.file.write(copy);
        r.written += copy.length;
        onWritten(r.written);
      } catch (err) {
        r.failed = `writing beside the executable failed: ${(err as Error).message}`;
      }
    });
  }

  /** All bytes are in: verify, start the new build once, and keep it staged for `apply`. */
  async end(): Promise<UpdateVerdict> {
    const r = this.receiving;
    if (!r) return { ok: false, reason: 'no update was being received' };
    this.receiving = null;
    await r.chain;
    await r.file.close();
    const refuse = async (reason: string): Promise<UpdateVerdict> => {
      await rm(this.downloadPath, { force: true });
      this.opts.log('error', 'update-refused', { version: r.meta.version, reason });
      return { ok: false, reason };
    };
    if (r.failed) return refuse(r.failed);
    if (r.received !== r.meta.size) return refuse(`received ${r.received} of ${r.meta.size} bytes`);
    const sha256 = r.hash.digest('hex');
    if (sha256 !== r.meta.sha256.toLowerCase()) return refuse(`SHA-256 mismatch: got ${sha256}, the release names ${r.meta.sha256}`);
    if (this.opts.os === 'linux') await chmod(this.downloadPath, 0o755);
    const started = await selfTest(this.downloadPath, r.meta.version);
    if (started) return refuse(`the new build does not start: ${started}`);
    this.staged = { version: r.meta.version, path: this.downloadPath };
    this.opts.log('info', 'update-staged', { version: r.meta.version, sha256 });
    return { ok: true };
  }

  /**
   * Swaps the staged build in: the running executable becomes `.prev` (a running file may be
   * renamed on Windows too, never overwritten), the new one takes its name, and the trial record
   * lets the new build roll itself back if it cannot come up. The caller exits afterwards so the
   * service manager starts the new executable.
   */
  async apply(): Promise<UpdateVerdict> {
    const s = this.staged;
    if (!s) return { ok: false, reason: 'no verified update is staged' };
    const prev = `${this.opts.exePath}.prev`;
    await rm(prev, { force: true });
    await rename(this.opts.exePath, prev);
    try {
      await rename(s.path, this.opts.exePath);
    } catch (err) {
      await rename(prev, this.opts.exePath);
      return { ok: false, reason: `could not put the new executable in place: ${(err as Error).message}` };
    }
    writeTrial(this.opts.dataDir, { from: this.opts.version, to: s.version, exe: this.opts.exePath, prev, starts: 0, at: new Date().toISOString() });
    this.staged = null;
    this.opts.log('info', 'update-applied', { from: this.opts.version, to: s.version });
    return { ok: true };
  }

  async abort(): Promise<void> {
    const r = this.receiving;
    this.receiving = null;
    this.staged = null;
    if (r) {
      r.failed = 'aborted';
      await r.chain;
      await r.file.close().catch(() => {});
    }
    await rm(this.downloadPath, { force: true });
  }
}

/** Starts the new build in its self-test mode; the reason it failed, or null. */
function selfTest(file: string, version: string): Promise<string | null> {
  return new Promise((done) => {
    execFile(file, ['self-test'], { timeout: SELF_TEST_TIMEOUT_MS, encoding: 'utf8' }, (err, stdout, stderr) => {
      const out = `${stdout}`.trim();
      if (err) return done(`${err.killed ? `no answer within ${SELF_TEST_TIMEOUT_MS / 1000} s` : `exit ${err.code ?? err.message}`}${stderr ? `: ${`${stderr}`.trim().slice(0, 300)}` : ''}`);
      if (!out.includes(`self-test ok ${version}`)) return done(`it reported "${out.slice(0, 200)}" instead of version ${version}`);
      done(null);
    });
  });
}

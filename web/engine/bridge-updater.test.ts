import { describe, expect, it } from 'vitest';
import type { BridgeRelease } from '../../shared/bridge-release.ts';
import type { BridgeInfo, BridgeMessage, PageMessage } from '../../shared/bridge-wire.ts';
import { BridgeUpdater, SEND_AHEAD_BYTES } from './bridge-updater.ts';

type State = Extract<BridgeMessage, { t: 'update-state' }>;
const bridge: BridgeInfo = { version: '0.1.0', wire: 1, pid: 1, startedAt: '', updateOs: 'linux' };
const release: BridgeRelease = { version: '0.1.1', os: 'linux', size: 10 * 1024 * 1024, sha256: 'ab'.repeat(32), signature: 'sig', url: '/api/x' };

/** A bridge that writes what it gets and answers like the real one; `verdict` decides update-end. */
function harness(opts: { verdict?: State['state']; idle?: () => Promise<void> } = {}) {
  const sent: string[] = [];
  const reports: string[] = [];
  let onDisk = 0;
  let maxAhead = 0;
  let inFlight = 0;
  const updater: BridgeUpdater = new BridgeUpdater({
    latest: async () => release,
    bytes: async () =>
      new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < 10; i++) c.enqueue(new Uint8Array(1024 * 1024));
          c.close();
        },
      }),
    control: (msg: PageMessage) => {
      sent.push(msg.t);
      const reply = (m: Omit<State, 't' | 'version'>) => queueMicrotask(() => updater.onState({ t: 'update-state', version: release.version, ...m }));
      if (msg.t === 'update-begin') reply({ state: 'receiving', received: 0 });
      if (msg.t === 'update-end') reply({ state: opts.verdict ?? 'staged', detail: 'bad signature' });
      if (msg.t === 'update-apply') reply({ state: 'restarting' });
    },
    piece: (bytes) => {
      inFlight += bytes.length;
      maxAhead = Math.max(maxAhead, inFlight);
      // The bridge writes asynchronously and reports each MiB on disk.
      setTimeout(() => {
        inFlight -= bytes.length;
        onDisk += bytes.length;
        updater.onState({ t: 'update-state', version: release.version, state: 'receiving', received: onDisk });
      }, 1);
      sent.push('piece');
      return true;
    },
    idle: () => opts.idle?.() ?? Promise.resolve(),
    report: (d) => reports.push(d),
  });
  return { updater, sent, reports, maxAhead: () => maxAhead, onDisk: () => onDisk };
}

describe('BridgeUpdater', () => {
  it('begins, streams within the send-ahead window, ends, and applies only when the engine is idle', async () => {
    let idle!: () => void;
    let asked!: () => void;
    const askedForIdle = new Promise<void>((ok) => (asked = ok));
    const h = harness({
      idle: () => {
        asked();
        return new Promise((ok) => (idle = ok));
      },
    });
    const done = h.updater.check(bridge);
    await askedForIdle;
    expect(h.sent.at(-1)).toBe('update-end');
    expect(h.sent).not.toContain('update-apply');
    idle();
    await done;
    expect(h.sent[0]).toBe('update-begin');
    expect(h.sent.filter((s) => s === 'piece').length).toBeGreaterThan(10);
    expect(h.sent.slice(-2)).toEqual(['update-end', 'update-apply']);
    expect(h.maxAhead()).toBeLessThanOrEqual(SEND_AHEAD_BYTES + 256 * 1024);
    expect(h.reports.at(-1)).toMatch(/restarting as version 0\.1\.1/);
  });

  it('stops at a refusal, says why, and does not offer that version again', async () => {
    const h = harness({ verdict: 'refused' });
    await h.updater.check(bridge);
    expect(h.sent).not.toContain('update-apply');
    expect(h.reports.at(-1)).toMatch(/refused by the bridge: bad signature/);
    const before = h.sent.length;
    await h.updater.check(bridge);
    expect(h.sent.length).toBe(before);
  });

  it('leaves a bridge alone that cannot update itself or already runs the release', async () => {
    const h = harness();
    await h.updater.check({ ...bridge, updateOs: undefined });
    await h.updater.check({ ...bridge, version: '0.1.1' });
    expect(h.sent).toEqual([]);
  });
});

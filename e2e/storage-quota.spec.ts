import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { sendAstmMessage } from '../sim/analyzers/astm-analyzer.ts';
import { udichemResult } from '../sim/analyzers/messages.ts';
import { launchPersistent } from './chromium.ts';
import { keysOf, score } from './scorecard.ts';
import { startStack, type Stack } from './stack.ts';

/**
 * Chromium's own quota override (DevTools `Storage.overrideQuotaForOrigin`) reports itself active
 * but is not enforced on IndexedDB writes in the Chromium this runs on (checked: writes past the
 * override succeed). So storage is exhausted for real: the browser profile lives on a small
 * tmpfs, which the test fills.
 */
function mountSmallDisk(dir: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=160m', 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function fill(file: string): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(1 << 20);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
}

const disk = mkdtempSync(join(tmpdir(), 'lis-small-disk-'));
const mounted = mountSmallDisk(disk);

describe.skipIf(!mounted)('storage exhausted (needs root to mount a small tmpfs)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
    execFileSync('umount', ['-l', disk]);
    rmSync(disk, { recursive: true, force: true });
  });

  it('refuses the analyzer in protocol terms while storage is full, and loses nothing once space returns', async () => {
    let context = await launchPersistent(join(disk, 'profile'));
    onTestFinished(() => context.close());
    const page = await stack.openConsole({ context });
    const filler = join(disk, 'filler');
    fill(filler);

    // A full disk still takes a small write or two into pages already allocated; send until the
    // console can no longer store one. Those it did take are delivered like any other.
    const accepted: string[] = [];
    let refused: { barcode: string; replies: string[] } | null = null;
    for (let i = 0; i < 30 && !refused; i++) {
      const barcode = `FULL-${i}`;
      const o = await sendAstmMessage({ port: stack.ports.udichem, framing: 'strict', records: udichemResult({ barcode, date: '20261124' }) });
      if (o.accepted) accepted.push(barcode);
      else refused = { barcode, replies: o.replies };
    }
    expect(refused).not.toBeNull();
    // ENQ, H, P, O and R were accepted; the frame with L, which stores the group, could not be
    // stored, so every try of it was refused and the analyzer keeps the result.
    expect(refused!.replies).toEqual([...Array(5).fill('ACK'), ...Array(6).fill('NAK')]);
    const records = udichemResult({ barcode: refused!.barcode, date: '20261124' });
    // Now the console knows storage is failing: the analyzer's next ENQ is refused outright.
    expect((await sendAstmMessage({ port: stack.ports.udichem, framing: 'strict', records })).replies).toEqual(['NAK']);
    expect(stack.cloud.store.results({ barcode: refused!.barcode })).toHaveLength(0);

    rmSync(filler);
    // Chromium keeps an origin's IndexedDB closed after a write failed for want of space, even
    // once space is back, until the browser restarts; the console tells staff so (and keeps
    // refusing analyzers meanwhile, so they keep their results).
    await page.getByText('restart Chrome').waitFor();
    await context.close();
    context = await launchPersistent(join(disk, 'profile'));
    await stack.openConsole({ context });
    let outcome = await sendAstmMessage({ port: stack.ports.udichem, framing: 'strict', records });
    // Until the console's next storage probe, it keeps refusing: what an analyzer sees as "busy".
    for (let tries = 0; !outcome.accepted && tries < 40; tries++) {
      expect(outcome.replies).toEqual(['NAK']);
      await new Promise((r) => setTimeout(r, 500));
      outcome = await sendAstmMessage({ port: stack.ports.udichem, framing: 'strict', records });
    }
    expect(outcome.accepted).toBe(true);
    await stack.waitForResults((r) => r.barcode === refused!.barcode);
    for (const b of [...accepted, refused!.barcode]) expect(stack.cloud.store.results({ barcode: b }), b).toHaveLength(1);
    const all = [...accepted, refused!.barcode];
    score('storage full (IndexedDB writes failing)', keysOf(all, '20261124'), stack.cloud.store.results({}).filter((r) => all.includes(r.barcode)));
  });
});

import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sendAstmMessage } from '../sim/analyzers/astm-analyzer.ts';
import { ACK, ENQ, EOT, strictFrames } from '../sim/analyzers/astm-wire.ts';
import { ByteLink } from '../sim/analyzers/byte-link.ts';
import { twoPatientMessage } from '../sim/analyzers/messages.ts';
import { score } from './scorecard.ts';
import { startStack, type Stack } from './stack.ts';

const UDICHEM = 3;
/** A short-timer profile: the analyzer and the engine both give up on a reply after 1.5 s. */
const SHORT = { astm_timers: { enqReplyMs: 1500, frameReplyMs: 1500, receiverReplyLimitMs: 1500, receiverReplyMarginMs: 300, receiveIdleMs: 3000 }, stale_after_ms: 1200 };
const ANALYZER_REPLY_MS = 1500;

/**
 * Opens a connection and sends ENQ, H, P1, O1, R1 and P2, each ACKed: the step to P2 stores patient
 * 1's group before its frame is ACKed, so the message is half stored when this returns.
 */
async function sendFirstPatient(port: number, frames: Uint8Array[]): Promise<ByteLink> {
  const link = await ByteLink.open('127.0.0.1', port);
  link.write(Uint8Array.of(ENQ));
  expect(await link.next(ANALYZER_REPLY_MS)).toBe(ACK);
  for (const f of frames.slice(0, 5)) {
    link.write(f);
    expect(await link.next(ANALYZER_REPLY_MS)).toBe(ACK);
  }
  return link;
}

describe('bridge faults', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('kill -9 of the bridge mid-message: the page shows it down, reattaches when it is back, and the resent message is stored once', async () => {
    stack = await startStack({ supervised: true, machineSettings: { [UDICHEM]: SHORT } });
    const page = await stack.openConsole({ waitForMachine: UDICHEM });
    const barcodes: [string, string] = ['K9-A', 'K9-B'];
    const frames = strictFrames(twoPatientMessage(barcodes));

    const link = await sendFirstPatient(stack.ports.udichem, frames);
    await stack.waitForResults((r) => r.barcode === barcodes[0]);

    const killed = stack.bridge;
    killed.child.kill('SIGKILL');
    await killed.exited;
    await page.locator('[data-testid="bridge-state"]', { hasText: /down|connecting/ }).waitFor();
    // The analyzer loses its connection with the message half sent.
    expect(await link.next(ANALYZER_REPLY_MS)).toBeNull();
    expect(link.isClosed).toBe(true);

    await stack.bridge.waitFor(/listening on ws:/);
    await page.locator('[data-testid="bridge-state"]', { hasText: 'connected' }).waitFor();
    await page.locator(`tr[data-machine="${UDICHEM}"] td.state-listening`).waitFor();
    expect(stack.supervisor!.restarts).toBe(1);

    // As an analyzer does after losing the line: the whole message again.
    const again = await sendAstmMessage({ port: stack.ports.udichem, framing: 'strict', records: twoPatientMessage(barcodes), replyTimeoutMs: ANALYZER_REPLY_MS });
    expect(again.accepted).toBe(true);
    await stack.waitForResults((r) => r.barcode === barcodes[1]);
    expect(stack.cloud.store.results({ barcode: barcodes[0] })).toHaveLength(1);
    expect(stack.cloud.store.results({ barcode: barcodes[1] })).toHaveLength(1);
    score('bridge kill -9 mid-message', barcodes.map((b) => `${b}|GLU|20261124101500`), stack.cloud.store.results({}).filter((r) => barcodes.includes(r.barcode)));
  });

  it('a reload mid-session keeps the analyzer connected; its repeated message is stored once', async () => {
    stack = await startStack({ machineSettings: { [UDICHEM]: SHORT } });
    const page = await stack.openConsole({ waitForMachine: UDICHEM });
    const barcodes: [string, string] = ['RL-A', 'RL-B'];
    const frames = strictFrames(twoPatientMessage(barcodes));
    const link = await sendFirstPatient(stack.ports.udichem, frames);
    await page.reload();
    await page.locator(`tr[data-machine="${UDICHEM}"] td.state-connected`).waitFor();

    // The reloaded engine never saw this message's ENQ: the rest goes unanswered, the analyzer's
    // timer runs out, it ends the attempt and repeats the message on the same connection.
    link.write(frames[5]);
    expect(await link.next(ANALYZER_REPLY_MS)).not.toBe(ACK);
    link.write(Uint8Array.of(EOT));
    link.drain();
    const repeat = await sendAstmMessage({ link, port: stack.ports.udichem, framing: 'strict', records: twoPatientMessage(barcodes), replyTimeoutMs: ANALYZER_REPLY_MS });
    expect(repeat.accepted).toBe(true);
    expect(link.isClosed).toBe(false);
    await stack.waitForResults((r) => r.barcode === barcodes[1]);
    expect(stack.cloud.store.results({ barcode: barcodes[0] })).toHaveLength(1);
    expect(stack.cloud.store.results({ barcode: barcodes[1] })).toHaveLength(1);
    expect(stack.bridge.output().match(/analyzer-connected/g)).toHaveLength(1);
    score('page reload mid-message', barcodes.map((b) => `${b}|GLU|20261124101500`), stack.cloud.store.results({}).filter((r) => barcodes.includes(r.barcode)));
  });

  it('bytes that waited longer than the reply timer are never answered', async () => {
    stack = await startStack({ machineSettings: { [UDICHEM]: SHORT } });
    const context = await stack.browser.newContext();
    let page = await stack.openConsole({ waitForMachine: UDICHEM, context });
    const link = await ByteLink.open('127.0.0.1', stack.ports.udichem);
    await page.locator(`tr[data-machine="${UDICHEM}"] td.state-connected`).waitFor();
    await page.close();
    await stack.bridge.waitFor(/page-detached/);

    link.write(Uint8Array.of(ENQ));
    expect(await link.next(ANALYZER_REPLY_MS)).toBeNull();
    link.write(Uint8Array.of(EOT));
    // The analyzer has given up on that ENQ; only now does a console come back.
    page = await context.newPage();
    await page.goto(stack.cloud.url);
    await page.locator(`tr[data-machine="${UDICHEM}"] td.state-connected`).waitFor();
    await page.locator('[data-testid="bridge-state"]', { hasText: 'connected' }).waitFor();
    expect(link.drain()).toEqual([]);

    const outcome = await sendAstmMessage({ link, port: stack.ports.udichem, framing: 'strict', records: twoPatientMessage(['ST-A', 'ST-B']), replyTimeoutMs: ANALYZER_REPLY_MS });
    expect(outcome.accepted).toBe(true);
    await stack.waitForResults((r) => r.barcode === 'ST-B');
    expect(stack.cloud.store.results({ barcode: 'ST-A' })).toHaveLength(1);
    score('reload outlasting the reply timer', ['ST-A|GLU|20261124101500', 'ST-B|GLU|20261124101500'], stack.cloud.store.results({}).filter((r) => r.barcode.startsWith('ST-')));
  });

  it('with no page past the grace period, the analyzer is disconnected and the port closed', async () => {
    stack = await startStack({ graceMs: 800 });
    const context = await stack.browser.newContext();
    const page = await stack.openConsole({ waitForMachine: UDICHEM, context });
    const link = await ByteLink.open('127.0.0.1', stack.ports.udichem);
    await page.locator(`tr[data-machine="${UDICHEM}"] td.state-connected`).waitFor();
    await context.close();
    await stack.bridge.waitFor(/grace-expired/);
    expect(await link.next(5_000)).toBeNull();
    expect(link.isClosed).toBe(true);
    const refused = await new Promise<string>((ok) => {
      const s = connect({ port: stack!.ports.udichem, host: '127.0.0.1' });
      s.once('connect', () => {
        s.destroy();
        ok('connected');
      });
      s.once('error', (err: NodeJS.ErrnoException) => ok(err.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});

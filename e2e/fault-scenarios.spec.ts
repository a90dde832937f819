import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendAstmMessage } from '../sim/analyzers/astm-analyzer.ts';
import { ACK, ENQ, EOT, NAK, strictFrames } from '../sim/analyzers/astm-wire.ts';
import { ByteLink } from '../sim/analyzers/byte-link.ts';
import { udichemResult } from '../sim/analyzers/messages.ts';
import { keysOf, score } from './scorecard.ts';
import { spawnTs } from './processes.ts';
import { startStack, type Stack } from './stack.ts';

const DATE = '20261124';
const send = (stack: Stack, barcode: string) => sendAstmMessage({ port: stack.ports.udichem, framing: 'strict', records: udichemResult({ barcode, date: DATE }) });

describe('fault scenarios: nothing lost, nothing doubled', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    await stack.openConsole();
  });
  afterAll(async () => stack?.close());

  async function cloudFault(name: string, set: () => void, clear: () => void, barcodes: string[], recoverAfterMs = 0): Promise<void> {
    set();
    for (const b of barcodes) expect((await send(stack, b)).accepted).toBe(true);
    if (recoverAfterMs > 0) await new Promise((r) => setTimeout(r, recoverAfterMs));
    clear();
    await stack.until(() => barcodes.every((b) => stack.cloud.store.results({ barcode: b }).length > 0), name, 90_000);
    score(name, keysOf(barcodes, DATE), stack.cloud.store.results({}).filter((r) => barcodes.includes(r.barcode)));
  }

  it('cloud answering after 5 s', () =>
    cloudFault('cloud answers after 5 s', () => (stack.cloud.faults.resultsDelayMs = 5_000), () => (stack.cloud.faults.resultsDelayMs = 0), ['SLOW-1', 'SLOW-2', 'SLOW-3'], 6_000), 120_000);

  it('cloud timing out (answers after the client gave up, then stores the retry too)', () =>
    cloudFault('cloud times out', () => (stack.cloud.faults.resultsDelayMs = 20_000), () => (stack.cloud.faults.resultsDelayMs = 0), ['HANG-1', 'HANG-2'], 16_000), 150_000);

  it('cloud dropping connections', () =>
    cloudFault('cloud drops connections', () => (stack.cloud.faults.resultsDrop = true), () => (stack.cloud.faults.resultsDrop = false), ['DROP-1', 'DROP-2', 'DROP-3'], 2_000), 120_000);

  it('analyzer disconnecting mid-frame, then resending the whole message', async () => {
    const frames = strictFrames(udichemResult({ barcode: 'CUT-1', date: DATE }));
    const link = await ByteLink.open('127.0.0.1', stack.ports.udichem);
    link.write(Uint8Array.of(ENQ));
    expect(await link.next(5_000)).toBe(ACK);
    link.write(frames[0]);
    expect(await link.next(5_000)).toBe(ACK);
    link.write(frames[1].subarray(0, 3));
    link.close();
    expect((await send(stack, 'CUT-1')).accepted).toBe(true);
    await stack.waitForResults((r) => r.barcode === 'CUT-1');
    score('analyzer disconnects mid-frame', keysOf(['CUT-1'], DATE), stack.cloud.store.results({ barcode: 'CUT-1' }));
  });

  it('corrupted checksums and duplicated frames', async () => {
    const frames = strictFrames(udichemResult({ barcode: 'CSUM-1', date: DATE }));
    const link = await ByteLink.open('127.0.0.1', stack.ports.udichem);
    link.write(Uint8Array.of(ENQ));
    expect(await link.next(5_000)).toBe(ACK);
    for (const [i, f] of frames.entries()) {
      const bad = f.slice();
      bad[bad.length - 4] ^= 0x01; // the first checksum digit
      link.write(bad);
      expect(await link.next(5_000)).toBe(NAK);
      link.write(f);
      expect(await link.next(5_000)).toBe(ACK);
      // The ACK was "lost": the analyzer sends the frame again; it is acknowledged and dropped.
      if (i % 2 === 0) {
        link.write(f);
        expect(await link.next(5_000)).toBe(ACK);
      }
    }
    link.write(Uint8Array.of(EOT));
    link.close();
    await stack.waitForResults((r) => r.barcode === 'CSUM-1');
    score('corrupted checksums, duplicated frames', keysOf(['CSUM-1'], DATE), stack.cloud.store.results({ barcode: 'CSUM-1' }));
  });

  it('analyzer resending a whole message after its timeout', async () => {
    expect((await send(stack, 'RESEND-1')).accepted).toBe(true);
    expect((await send(stack, 'RESEND-1')).accepted).toBe(true);
    expect((await send(stack, 'RESEND-2')).accepted).toBe(true);
    await stack.waitForResults((r) => r.barcode === 'RESEND-2');
    score('analyzer resends a whole message', keysOf(['RESEND-1', 'RESEND-2'], DATE), stack.cloud.store.results({}).filter((r) => r.barcode.startsWith('RESEND-')));
  });

  it('an analyzer whose clock is off by minutes: delivered once, with a warning', async () => {
    const d = new Date(Date.now() - 12 * 60_000);
    const p = (n: number) => String(n).padStart(2, '0');
    const stamp = `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
    const records = udichemResult({ barcode: 'SKEW-1', date: stamp });
    expect((await sendAstmMessage({ port: stack.ports.udichem, framing: 'strict', records })).accepted).toBe(true);
    const [row] = await stack.waitForResults((r) => r.barcode === 'SKEW-1');
    expect(row.warnings?.some((w) => /clock is 1[12] min behind/.test(w))).toBe(true);
    score('analyzer clock off by minutes', keysOf(['SKEW-1'], stamp), stack.cloud.store.results({ barcode: 'SKEW-1' }));
  });

  it('results that repeat a test in one message (a rerun) are both kept', async () => {
    const records = [
      `H|\\^&||PSWD|Udichem|||||Lis||P|E1394-97|${DATE}`,
      'P|1',
      'O|1|RERUN-1||^^^GLU',
      `R|1|^^^GLU|99|mg/dl|70 to 110|N||||||${DATE}090000`,
      `R|2|^^^GLU|101|mg/dl|70 to 110|N||||||${DATE}100000`,
      'L|1|N',
    ];
    expect((await sendAstmMessage({ port: stack.ports.udichem, framing: 'strict', records })).accepted).toBe(true);
    await stack.waitForResults((r) => r.barcode === 'RERUN-1', 2);
    score('a test repeated in one message', [`RERUN-1|GLU|${DATE}090000`, `RERUN-1|GLU|${DATE}100000`], stack.cloud.store.results({ barcode: 'RERUN-1' }));
  });

  it('a second bridge is refused and traffic still flows once', async () => {
    const second = spawnTs('bridge/main.ts', ['--port', String(stack.bridgePort), '--origin', stack.cloud.origin], { LIS_BRIDGE_TOKEN: stack.bridgeToken });
    expect(await second.exited).toBe(2);
    expect(second.output()).toMatch(/another bridge is already running/);
    // The analyzer port is the first bridge's alone: nobody else can listen on it.
    const stranger = await new Promise<string>((ok) => {
      const s = connect({ port: stack.ports.udichem, host: '127.0.0.1' }, () => {
        s.destroy();
        ok('connected');
      });
      s.once('error', (e: NodeJS.ErrnoException) => ok(e.code ?? 'error'));
    });
    expect(stranger).toBe('connected');
    expect((await send(stack, 'TWO-BR-1')).accepted).toBe(true);
    await stack.waitForResults((r) => r.barcode === 'TWO-BR-1');
    score('two bridges', keysOf(['TWO-BR-1'], DATE), stack.cloud.store.results({ barcode: 'TWO-BR-1' }));
  });
});

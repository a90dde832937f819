import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendAstmMessage } from '../sim/analyzers/astm-analyzer.ts';
import { ByteLink } from '../sim/analyzers/byte-link.ts';
import { udichemResult } from '../sim/analyzers/messages.ts';
import { startSerialLines, type SerialLineServer } from '../sim/analyzers/serial-line-server.ts';
import { ROOT } from './processes.ts';
import { startStack, type Stack } from './stack.ts';

const SERIAL_MACHINE = 6;
const PORT_ID = 'ttyUSB0';

describe('an analyzer on a serial port (Web Serial, through the e2e build\'s fake port)', () => {
  let stack: Stack;
  let lines: SerialLineServer;

  beforeAll(async () => {
    lines = await startSerialLines([{ id: PORT_ID, usbVendorId: 0x0403, usbProductId: 0x6001 }]);
    stack = await startStack();
    stack.cloud.store.addMachine({
      id: SERIAL_MACHINE,
      name: 'Udichem on COM3',
      code: 'UDICHEM-SERIAL',
      driver: 'udichem_astm',
      transport: 'serial',
      connection_settings: { mode: 'client', baud_rate: 9600, data_bits: 8, parity: 'none', stop_bits: 1, charset: 'latin1' },
    });
    await stack.openConsole({ waitForMachine: SERIAL_MACHINE, waitForState: 'connected', query: `?fake-serial=${encodeURIComponent(lines.url)}` });
  });
  afterAll(async () => {
    await stack?.close();
    await lines?.close();
  });

  function analyzer(): ByteLink {
    const line = lines.line(PORT_ID);
    return new ByteLink({ write: (b) => line.write(b), onData: (l) => line.onData(l), onClose: () => {}, close: () => {} });
  }

  it('delivers results, keeps reading through a line break, and recovers from unplug and replug', async () => {
    const link = analyzer();
    const send = (barcode: string) => sendAstmMessage({ link, port: 0, framing: 'simplified', records: udichemResult({ barcode }), replyTimeoutMs: 5_000 });

    expect((await send('SER-1')).accepted).toBe(true);
    await stack.waitForResults((r) => r.barcode === 'SER-1' && r.machine_id === SERIAL_MACHINE);

    lines.line(PORT_ID).sendBreak();
    expect((await send('SER-2')).accepted).toBe(true);
    await stack.waitForResults((r) => r.barcode === 'SER-2');

    lines.unplug(PORT_ID);
    lines.plug(PORT_ID);
    await lines.line(PORT_ID).opened();
    const again = analyzer();
    expect((await sendAstmMessage({ link: again, port: 0, framing: 'simplified', records: udichemResult({ barcode: 'SER-3' }), replyTimeoutMs: 5_000 })).accepted).toBe(true);
    await stack.waitForResults((r) => r.barcode === 'SER-3');
    for (const b of ['SER-1', 'SER-2', 'SER-3']) expect(stack.cloud.store.results({ barcode: b })).toHaveLength(1);
  });

  it('exists only in the e2e build: the production bundle has no fake serial port', () => {
    const scripts = (dir: string) => readdirSync(join(ROOT, dir, 'assets')).filter((f) => f.endsWith('.js'));
    expect(scripts('dist/web-e2e').some((f) => readFileSync(join(ROOT, 'dist/web-e2e/assets', f), 'utf8').includes('fake-serial'))).toBe(true);
    for (const f of scripts('dist/web')) expect(readFileSync(join(ROOT, 'dist/web/assets', f), 'utf8'), f).not.toMatch(/fake-serial|FakeSerial/);
  });
});

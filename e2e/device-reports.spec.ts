import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendAstmMessage } from '../sim/analyzers/astm-analyzer.ts';
import { udichemResult } from '../sim/analyzers/messages.ts';
import { engineCommand } from './console-db.ts';
import { startStack, type Stack } from './stack.ts';

const UDICHEM = 3;

describe('what support reads in the cloud instead of reaching the PC', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stack?.close());

  it('holds the status of every device and the traffic of each, with no token in it', async () => {
    const page = await stack.openConsole();
    expect((await sendAstmMessage({ port: stack.ports.udichem, framing: 'strict', records: udichemResult({ barcode: 'LOG-1' }) })).accepted).toBe(true);
    await stack.waitForResults((r) => r.barcode === 'LOG-1');
    await engineCommand(page, { type: 'report-now' });

    const driven = stack.cloud.store.machines().filter((m) => !m.is_sandbox);
    await stack.until(() => driven.every((m) => stack.cloud.store.status(m.id)) && stack.cloud.store.logs(UDICHEM).length > 0, 'status of every device and the Udichem traffic');
    for (const m of driven) {
      expect(stack.cloud.store.status(m.id), m.name).toMatchObject({ station: 'lab-pc-1', app_version: expect.any(String), bridge_version: expect.any(String), wire_version: 1 });
    }
    expect(stack.cloud.store.status(UDICHEM)).toMatchObject({ state: 'listening', last_communication_at: expect.any(String) });
    const logs = stack.cloud.store.logs(UDICHEM);
    const text = logs.map((l) => Buffer.from(l.bytes_base64, 'base64').toString('latin1')).join('');
    expect(text).toContain('O|1|LOG-1||^^^GLU');
    expect(logs.map((l) => l.summary)).toContain('<ENQ>');
    expect(logs.filter((l) => l.direction === 'out').map((l) => l.summary)).toContain('<ACK>');
    const everything = JSON.stringify([logs, driven.map((m) => stack.cloud.store.status(m.id))]);
    expect(everything).not.toContain(stack.bridgeToken);
  });
});

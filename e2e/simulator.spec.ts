import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineCommand, readStore } from './console-db.ts';
import { startStack, type Stack } from './stack.ts';

const UDICHEM = 3;

describe('the console simulator', () => {
  let stack: Stack;
  let page: Page;
  beforeAll(async () => {
    stack = await startStack();
    page = await stack.openConsole();
  });
  afterAll(async () => stack?.close());

  it('sends a result as the analyzer would, to the sandbox machine, flagged as test data', async () => {
    await engineCommand(page, { type: 'simulate', machineId: UDICHEM, kind: 'result', barcode: 'SIM-1', value: '77', who: 'e2e tester' });
    const [row] = await stack.waitForResults((r) => r.barcode === 'SIM-1');
    expect(row).toMatchObject({ machine_id: 100 + UDICHEM, test_data: true, test_code: 'GLU', value: '77' });
    expect(stack.cloud.store.results({ machineId: UDICHEM }).filter((r) => r.barcode === 'SIM-1')).toHaveLength(0);

    await expect
      .poll(async () => (await readStore<{ simulated?: boolean; direction: string; summary: string }>(page, 'archive', 'lis-archive')).filter((a) => a.simulated && a.direction === 'out').map((a) => a.summary))
      .toContain('<ACK>');
    await expect
      .poll(async () => (await readStore<{ who: string; action: string; detail: string }>(page, 'audit', 'lis-state')).some((a) => a.who === 'e2e tester' && a.action === 'simulate' && /→ ACK/.test(a.detail)))
      .toBe(true);
  });

  it('asks a query as the analyzer would and accepts the order reply', async () => {
    await engineCommand(page, { type: 'simulate', machineId: UDICHEM, kind: 'query', barcode: 'B123', who: 'e2e tester' });
    await expect
      .poll(async () => (await readStore<{ who: string; detail: string }>(page, 'audit', 'lis-state')).some((a) => /query answered: order/.test(a.detail)), { timeout: 20_000 })
      .toBe(true);
  });
});

/**
 * The bridge's WebSocket handler, fuzzed on the real process (see ws-handler.fuzz.ts). Each
 * property run is a batch of frames; the cases counted are the frames.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../e2e/processes.ts';
import { ciSeed, decodeInput, readCorpus } from '../../drivers/fuzz/fuzz-target.ts';
import { startBridgeProcess, type BridgeUnderTest } from '../testing/bridge-page.ts';
import { checkBatch, checkFirstFrame, firstFrameArb, framesSent, wsHandlerTarget, type WsBatch } from './ws-handler.fuzz.ts';

const BATCHES = 150;
const FIRST_FRAMES = 8;

describe('the bridge\'s WebSocket handler, fuzzed on the real process', () => {
  let bridge: BridgeUnderTest;
  let allowedPort: number;
  let analyzerPort: number;

  beforeAll(async () => {
    allowedPort = await freePort();
    analyzerPort = await freePort();
    bridge = await startBridgeProcess({ token: 'f'.repeat(32), args: ['--allow-listen', `${allowedPort},${analyzerPort}`, '--grace-ms', '60000'] });
  });
  afterAll(async () => bridge?.stop());

  it(`survives ${BATCHES} batches of fuzzed frames from an attached page, answering /health and a good page after each`, async () => {
    const target = wsHandlerTarget(allowedPort, BATCHES);
    await fc.assert(
      fc.asyncProperty(target.arbitrary(), (batch) => target.check(batch, { bridge, allowedPort, analyzerPort })),
      { seed: ciSeed(target.name), numRuns: BATCHES },
    );
    expect(framesSent()).toBeGreaterThanOrEqual(BATCHES * 40);
  }, 120_000);

  for (const entry of readCorpus().filter((e) => e.target === 'bridge-ws.attached-page-frames')) {
    (entry.status === 'open' ? it.fails : it)(`corpus: ${entry.file} (${entry.status})`, async () => {
      await checkBatch(decodeInput(entry.input) as WsBatch, { bridge, allowedPort, analyzerPort });
    }, 60_000);
  }
});

describe('the bridge\'s handshake, fuzzed on a process of its own', () => {
  let bridge: BridgeUnderTest;

  beforeAll(async () => {
    bridge = await startBridgeProcess({ token: 'h'.repeat(32) });
  });
  afterAll(async () => bridge?.stop());

  it(`refuses ${FIRST_FRAMES} fuzzed first frames with a close code, and stays up`, async () => {
    await fc.assert(
      fc.asyncProperty(firstFrameArb, (frame) => checkFirstFrame(frame, bridge)),
      { seed: ciSeed('bridge-ws.first-frame'), numRuns: FIRST_FRAMES },
    );
  }, 60_000);
});

import type { Machine } from '../../shared/cloud-api.ts';
import type { Driver } from '../../drivers/driver.ts';
import type { AnalyzerQuery, AnalyzerResult } from '../../drivers/result-model.ts';
import { DeviceConnection } from './device-connection.ts';
import type { LookupAnswer } from './device-runner.ts';
import type { SandboxScript } from './sandbox-analyzer.ts';
import type { TrafficArchive } from './traffic-archive.ts';

export interface SimulatorIo {
  archive: TrafficArchive;
  /** Stores results as test data on the machine's sandbox. */
  store(results: AnalyzerResult[], clockSkewMs: number | undefined): Promise<void>;
  lookup(query: AnalyzerQuery, deadlineMs: number): Promise<LookupAnswer>;
}

const ACK = 0x06;
const ENQ = 0x05;
const EOT = 0x04;
const FS = 0x1c;
const REPLY_WAIT_MS = 15_000;

/**
 * Runs a simulated analyzer against a sandbox copy of a device: the device's own driver, on a
 * connection of its own that no real analyzer shares, with every byte archived as simulated and
 * every result stored as test data on the sandbox machine. It is the console's one-click field
 * test, and it can never turn into a patient result.
 */
export async function runSimulation(machine: Machine, driver: Driver, script: SandboxScript, io: SimulatorIo): Promise<string[]> {
  const received: number[] = [];
  let wake: (() => void) | null = null;
  const transcript: string[] = [];
  const connection = new DeviceConnection(
    driver.connect({ ...machine.connection_settings, framing: 'auto' }),
    {
      write: (bytes) => {
        io.archive.record(machine.id, 'out', bytes, undefined, true);
        received.push(...bytes);
        wake?.();
      },
      store: (results, skew) => io.store(results, skew),
      lookup: (_id, query) => io.lookup(query, driver.replyWindowMs / 2),
      queryDone: (_id, outcome) => transcript.push(`query answered: ${outcome.reply}`),
      log: (line) => transcript.push(line),
      event: (kind, message) => transcript.push(`${kind}: ${message}`),
      messageSeen: () => {},
      idle: () => {},
    },
    Number.POSITIVE_INFINITY,
  );
  const next = async (until: (bytes: number[]) => boolean): Promise<boolean> => {
    const deadline = Date.now() + REPLY_WAIT_MS;
    while (!until(received)) {
      if (Date.now() > deadline) return false;
      await new Promise<void>((ok) => {
        wake = ok;
        setTimeout(ok, 100);
      });
    }
    return true;
  };
  const analyzerSends = (bytes: Uint8Array) => {
    io.archive.record(machine.id, 'in', bytes, undefined, true);
    connection.receive(bytes);
  };
  try {
    for (const step of script.steps) {
      received.length = 0;
      analyzerSends(step.send);
      if (step.expect === 'none') continue;
      const ok = await next((b) => (script.protocol === 'astm' ? b.length > 0 : b.includes(FS)));
      const reply = script.protocol === 'astm' ? (received[0] === ACK ? 'ACK' : ok ? `0x${received[0].toString(16)}` : 'no reply') : ok ? 'ACK message' : 'no reply';
      transcript.push(`sent ${step.send.length} byte(s) → ${reply}`);
      if (script.protocol === 'astm' && received[0] !== ACK) break;
    }
    // A query's reply comes back as the host's own message: play the analyzer and accept it.
    if (script.protocol === 'astm' && script.awaitsReply) {
      received.length = 0;
      if (await next((b) => b.includes(ENQ))) {
        for (let guard = 0; guard < 64; guard++) {
          received.length = 0;
          analyzerSends(Uint8Array.of(ACK));
          if (!(await next((b) => b.length > 0)) || received.includes(EOT)) break;
        }
      }
    }
    return transcript;
  } finally {
    connection.close();
  }
}

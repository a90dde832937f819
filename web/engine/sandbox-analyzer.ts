import type { Machine } from '../../shared/cloud-api.ts';
import { strictFrames } from '../../drivers/astm/frame-writer.ts';

/**
 * The analyzer's side of a simulated exchange, built in the console: the bytes a device sends
 * for one result or one query, in its protocol. Written apart from the drivers' receive code, and
 * kept to the forms the captures show, so the simulator exercises the driver rather than echoing it.
 */

const ENQ = 0x05;
const EOT = 0x04;
const VT = 0x0b;
const FS = 0x1c;
const CR = 0x0d;

function latin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

export type SandboxStep = { send: Uint8Array; expect: 'ack' | 'none' };

export interface SandboxScript {
  protocol: 'astm' | 'hl7';
  steps: SandboxStep[];
  /** A query: the host answers with a message of its own, which the analyzer accepts. */
  awaitsReply?: boolean;
}

function mapped(machine: Machine): { code: string; units: string } {
  const t = machine.tests?.[0];
  return { code: t?.analyzer_code ?? 'GLU', units: t?.units ?? 'mg/dL' };
}

function astmCode(machine: Machine, code: string): string {
  return machine.driver === 'vitros_astm' ? `1.0000+${code}+1.0` : code;
}

function astmSteps(records: string[]): SandboxStep[] {
  return [{ send: Uint8Array.of(ENQ), expect: 'ack' }, ...strictFrames(records.map(latin1), 240, false).map((send) => ({ send, expect: 'ack' as const })), { send: Uint8Array.of(EOT), expect: 'none' }];
}

function mllp(segments: string[]): Uint8Array {
  const body = latin1(segments.join('\r') + '\r');
  const out = new Uint8Array(body.length + 3);
  out[0] = VT;
  out.set(body, 1);
  out[body.length + 1] = FS;
  out[body.length + 2] = CR;
  return out;
}

export function resultScript(machine: Machine, barcode: string, value: string, now: Date): SandboxScript {
  const { code, units } = mapped(machine);
  const ts = stamp(now);
  if (machine.driver.endsWith('_hl7')) {
    return {
      protocol: 'hl7',
      steps: [
        {
          send: mllp([
            `MSH|^~\\&|SIMULATOR|${machine.code}|LIS||${ts}||ORU^R01|SIM${ts}|P|2.3.1||||||UNICODE`,
            'PID|1',
            `OBR|1||${barcode}|01001^Automated Count^99MRC|||${ts}`,
            `OBX|1|NM|${code}^${code}^LN||${value}|${units}|0-100|N|||F|||${ts}`,
          ]),
          expect: 'ack',
        },
      ],
    };
  }
  const test = `^^^${astmCode(machine, code)}`;
  return {
    protocol: 'astm',
    steps: astmSteps([`H|\\^&|||SIMULATOR^${machine.code}|||||LIS||P|1|${ts}`, 'P|1', `O|1|${barcode}||${test}`, `R|1|${test}|${value}|${units}|0 to 100|N||F||||${ts}`, 'L|1|N']),
  };
}

export function queryScript(machine: Machine, barcode: string, now: Date): SandboxScript {
  const ts = stamp(now);
  if (machine.driver.endsWith('_hl7')) {
    return {
      protocol: 'hl7',
      steps: [{ send: mllp([`MSH|^~\\&|SIMULATOR|${machine.code}|LIS||${ts}||ORM^O01|SIMQ${ts}|P|2.3.1`, `ORC|RF||${barcode}||IP`]), expect: 'ack' }],
    };
  }
  return { protocol: 'astm', awaitsReply: true, steps: astmSteps([`H|\\^&|||SIMULATOR^${machine.code}|||||LIS||P|1|${ts}`, `Q|1|^${barcode}||ALL||||||||O`, 'L|1|N']) };
}

export function replayScript(machine: Machine, bytes: Uint8Array): SandboxScript {
  return { protocol: machine.driver.endsWith('_hl7') ? 'hl7' : 'astm', steps: [{ send: bytes, expect: 'none' }] };
}

import { sendAstmMessage, type SendOutcome } from './astm-analyzer.ts';
import type { ByteLink } from './byte-link.ts';
import { maglumiResult, type MaglumiResult } from './messages.ts';

/**
 * A Snibe Maglumi 800 / X3: results only, in simplified framing (`ENQ`, one `STX records ETX`
 * block, `EOT`, no frame number and no checksum), as its serial-monitor log shows. A rerun of a
 * test arrives in the same message as a second R record with its own time.
 */
export function sendMaglumiResults(opts: { port: number; host?: string; link?: ByteLink; sampleId: string; results: MaglumiResult[]; log?: (line: string) => void }): Promise<SendOutcome> {
  return sendAstmMessage({
    port: opts.port,
    ...(opts.host ? { host: opts.host } : {}),
    ...(opts.link ? { link: opts.link } : {}),
    ...(opts.log ? { log: opts.log } : {}),
    framing: 'simplified',
    records: maglumiResult(opts.sampleId, opts.results),
  });
}

import type { ReactNode } from 'react';
import { recordFields, visibleSegments } from './wire-lines.ts';

/** Text with every occurrence of the search marked; React escapes all of it. */
export function highlight(text: string, search: string): ReactNode {
  if (search === '') return text;
  const lower = text.toLowerCase();
  const q = search.toLowerCase();
  const out: ReactNode[] = [];
  let at = 0;
  for (let i = lower.indexOf(q); i >= 0; i = lower.indexOf(q, at)) {
    if (i > at) out.push(text.slice(at, i));
    out.push(<mark key={i}>{text.slice(i, i + q.length)}</mark>);
    at = i + q.length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}

/** Wire bytes as text, control characters as ⟨STX⟩-style symbols. Never parsed as HTML. */
export function WireBytes({ bytes, decoder, search = '' }: { bytes: ArrayLike<number>; decoder?: TextDecoder | undefined; search?: string }) {
  return (
    <>
      {visibleSegments(bytes, decoder).map((s, i) =>
        s.control ? (
          <span key={i} className="ctl">
            {s.text}
          </span>
        ) : (
          <span key={i}>{highlight(s.text, search)}</span>
        ),
      )}
    </>
  );
}

/** One decoded record, its fields apart, each labelled (`R-4`) as the standard numbers it. */
export function WireRecord({ record, search = '' }: { record: string; search?: string }) {
  return (
    <>
      {recordFields(record).map((f, i) => (
        <span key={i}>
          {i > 0 ? <span className="sep">|</span> : null}
          <span className={i === 0 ? 'rtype' : 'fld'} title={f.label}>
            {highlight(f.value, search)}
          </span>
        </span>
      ))}
    </>
  );
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** HH:MM:SS.mmm, the resolution protocol timers need. */
export function clockTime(at: number): string {
  const d = new Date(at);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function delta(ms: number): string {
  if (ms < 1000) return `+${ms} ms`;
  if (ms < 60_000) return `+${(ms / 1000).toFixed(2)} s`;
  return `+${Math.round(ms / 60_000)} min`;
}

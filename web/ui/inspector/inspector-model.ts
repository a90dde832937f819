import { liveQuery, type Subscription } from 'dexie';
import type { ArchiveDb, ArchiveEntry } from '../../engine/db.ts';
import { isProblem, visibleText, WireLineParser, type WireLine } from './wire-lines.ts';

/** Archive rows read by the first query: a screenful and more, shown at once. */
const FIRST_CHUNK = 1_000;
/** Archive rows read per query after that: big enough to load 100 000 lines in a few reads. */
const CHUNK = 20_000;

export type DirFilter = 'all' | 'in' | 'out';
export type ShowFilter = 'all' | 'frames' | 'control' | 'problems';

export interface ViewFilter {
  dir: DirFilter;
  show: ShowFilter;
  search: string;
}

function lowerBound(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * One analyzer's traffic for the inspector: the archive read in chunks and then followed live
 * (a Dexie liveQuery on the newest archive id wakes it; nothing polls), parsed into wire lines, and
 * laid out as display rows: a line takes one row per decoded record, at least one.
 */
export class InspectorModel {
  readonly parser = new WireLineParser();
  loading = true;
  private sub: Subscription | null = null;
  private fetching = false;
  private again = false;
  private newest = 0;
  private readonly listeners = new Set<() => void>();
  /** Bumped on every change the view must render. */
  version = 0;

  // The view: which lines pass the filter, and which line and record each display row shows.
  filter: ViewFilter = { dir: 'all', show: 'all', search: '' };
  paused = false;
  viewLines: number[] = [];
  private viewFirstRow: number[] = [];
  rowLine: number[] = [];
  rowRecord: number[] = [];
  /** Lines the view has taken in; beyond this, lines arrived while paused. */
  private synced = 0;
  private dirtyFrom = Number.POSITIVE_INFINITY;
  private readonly texts = new Map<number, string>();
  private decoder: TextDecoder | undefined;

  constructor(
    private readonly archive: ArchiveDb,
    readonly machineId: number,
    charset?: string,
  ) {
    try {
      this.decoder = charset && !/^latin-?1$/i.test(charset) ? new TextDecoder(charset) : undefined;
    } catch {
      this.decoder = undefined;
    }
  }

  get textDecoder(): TextDecoder | undefined {
    return this.decoder;
  }

  start(): void {
    const m = this.machineId;
    this.sub = liveQuery(async () => (await this.archive.archive.where('[machineId+id]').between([m, 0], [m, Infinity]).last())?.id ?? 0).subscribe({
      next: (id) => {
        this.newest = id;
        void this.fetch();
      },
      error: (err: unknown) => console.error('[inspector] live query failed', err),
    });
  }

  stop(): void {
    this.sub?.unsubscribe();
    this.sub = null;
  }

  subscribe(l: () => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private emit(): void {
    this.version++;
    for (const l of this.listeners) l();
  }

  private async fetch(): Promise<void> {
    if (this.fetching) {
      this.again = true;
      return;
    }
    this.fetching = true;
    try {
      do {
        this.again = false;
        for (;;) {
          const limit = this.parser.lastId === 0 ? FIRST_CHUNK : CHUNK;
          const t0 = performance.now();
          const rows: ArchiveEntry[] = await this.archive.archive
            .where('[machineId+id]')
            .between([this.machineId, this.parser.lastId + 1], [this.machineId, Infinity])
            .limit(limit)
            .toArray();
          if (this.sub === null) return;
          const t1 = performance.now();
          this.parser.pushAll(rows);
          const t2 = performance.now();
          const more = rows.length === limit;
          if (!more) this.loading = false;
          this.sync();
          // User Timing entries: what the bench (and DevTools) show of where loading time goes.
          performance.measure('inspector:read', { start: t0, end: t1 });
          performance.measure('inspector:parse', { start: t1, end: t2 });
          performance.measure('inspector:layout', { start: t2, end: performance.now() });
          if (!more) break;
        }
      } while (this.again || this.parser.lastId < this.newest);
    } finally {
      this.fetching = false;
    }
  }

  /** Every archive entry of this machine, for export. */
  entries(): Promise<ArchiveEntry[]> {
    return this.archive.archive.where('[machineId+id]').between([this.machineId, 0], [this.machineId, Infinity]).toArray();
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    this.sync();
  }

  setFilter(filter: ViewFilter): void {
    this.filter = filter;
    this.viewLines = [];
    this.viewFirstRow = [];
    this.rowLine = [];
    this.rowRecord = [];
    this.synced = 0;
    this.dirtyFrom = 0;
    this.sync(true);
  }

  /** Lines that arrived while paused and are not shown yet. */
  get unseen(): number {
    return this.parser.lines.length - this.synced;
  }

  text(line: WireLine): string {
    let s = this.texts.get(line.n);
    if (s === undefined) {
      s = `${visibleText(line.bytes, this.decoder)}\n${line.records.join('\n')}`.toLowerCase();
      if (line.complete) this.texts.set(line.n, s);
    }
    return s;
  }

  private passes(line: WireLine): boolean {
    const f = this.filter;
    if (f.dir !== 'all' && line.dir !== f.dir) return false;
    if (f.show === 'frames' && line.kind !== 'frame' && line.kind !== 'mllp') return false;
    if (f.show === 'control' && line.kind !== 'control') return false;
    if (f.show === 'problems' && !isProblem(line)) return false;
    if (f.search !== '' && !this.text(line).includes(f.search.toLowerCase())) return false;
    return true;
  }

  /** Brings the view up to date from the first line that changed; while paused, only counts. */
  private sync(force = false): void {
    const d = this.parser.takeDirty();
    // A completed line's text never changes (only its reply does), so cached texts stay valid.
    if (d !== null) this.dirtyFrom = Math.min(this.dirtyFrom, d);
    if (this.paused && !force) {
      this.emit();
      return;
    }
    const lines = this.parser.lines;
    const from = Math.min(this.dirtyFrom, this.synced);
    if (from < lines.length || from < this.synced) {
      const p = lowerBound(this.viewLines, from);
      const firstRow = p < this.viewFirstRow.length ? this.viewFirstRow[p] : this.rowLine.length;
      this.viewLines.length = p;
      this.viewFirstRow.length = p;
      this.rowLine.length = firstRow;
      this.rowRecord.length = firstRow;
      for (let n = from; n < lines.length; n++) {
        const line = lines[n];
        if (!this.passes(line)) continue;
        this.viewLines.push(n);
        this.viewFirstRow.push(this.rowLine.length);
        const records = Math.max(1, line.records.length);
        for (let r = 0; r < records; r++) {
          this.rowLine.push(n);
          this.rowRecord.push(line.records.length === 0 ? -1 : r);
        }
      }
    }
    this.synced = lines.length;
    this.dirtyFrom = Number.POSITIVE_INFINITY;
    this.emit();
  }
}

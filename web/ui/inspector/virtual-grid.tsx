import { useCallback, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { flushSync } from 'react-dom';

/** Rows drawn beyond the visible ones on each side, so a fast scroll does not show blank rows. */
const OVERSCAN = 8;

export interface VirtualGridProps {
  id: string;
  label: string;
  rowCount: number;
  rowHeight: number;
  /** Changes whenever rows change, so visible rows are drawn again. */
  version: number;
  header: ReactNode;
  renderRow: (index: number) => ReactNode;
  rowClass?: (index: number) => string;
  active: number | null;
  onActive: (index: number) => void;
  /** Keep the newest row in view as rows arrive (until the person scrolls up). */
  follow: boolean;
  onFollow: (follow: boolean) => void;
}

/**
 * A grid that renders only the rows in view: the scroll area is as tall as all rows, and the few
 * visible rows sit at their offsets. A person moves through it with the arrow keys, Page Up/Down
 * and Home/End; the active row is announced through aria-activedescendant.
 */
export function VirtualGrid(props: VirtualGridProps) {
  const { id, label, rowCount, rowHeight, version, header, renderRow, rowClass, active, onActive, follow, onFollow } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const headerRef = useRef<HTMLDivElement>(null);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    setHeight(el.clientHeight);
    return () => ro.disconnect();
  }, []);

  const headerHeight = headerRef.current?.offsetHeight ?? rowHeight;
  const bodyHeight = Math.max(0, height - headerHeight);
  const visible = Math.max(1, Math.ceil(bodyHeight / rowHeight));

  // Follow the tail: after new rows are laid out, scroll to the end.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || !follow) return;
    el.scrollTop = el.scrollHeight;
    setScrollTop(el.scrollTop);
  }, [follow, rowCount, version]);

  // Rows are drawn for the new position in the same frame as the scroll: no blank rows.
  const onScroll = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    // Synchronously, inside the scroll event: a long jump paints its rows in the same frame.
    flushSync(() => setScrollTop(el.scrollTop));
    const atEnd = el.scrollTop + el.clientHeight >= el.scrollHeight - rowHeight * 2;
    if (atEnd !== follow) onFollow(atEnd);
  }, [follow, onFollow, rowHeight]);

  const scrollIntoView = (i: number) => {
    const el = scroller.current;
    if (!el) return;
    const top = i * rowHeight;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + rowHeight > el.scrollTop + bodyHeight) el.scrollTop = top + rowHeight - bodyHeight;
    setScrollTop(el.scrollTop);
  };

  const move = (to: number) => {
    if (rowCount === 0) return;
    const i = Math.max(0, Math.min(rowCount - 1, to));
    onActive(i);
    scrollIntoView(i);
    if (i < rowCount - 1 && follow) onFollow(false);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const cur = active ?? Math.floor(scrollTop / rowHeight);
    const keys: Record<string, number> = {
      ArrowDown: cur + 1,
      ArrowUp: cur - 1,
      PageDown: cur + visible - 1,
      PageUp: cur - visible + 1,
      Home: 0,
      End: rowCount - 1,
    };
    const to = keys[e.key];
    if (to === undefined) return;
    e.preventDefault();
    move(active === null && (e.key === 'ArrowDown' || e.key === 'ArrowUp') ? cur : to);
  };

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(rowCount, Math.ceil((scrollTop + bodyHeight) / rowHeight) + OVERSCAN);
  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++) {
    rows.push(
      <div
        key={i}
        id={`${id}-row-${i}`}
        role="row"
        aria-rowindex={i + 2}
        aria-selected={i === active}
        className={`vrow${i === active ? ' active' : ''}${rowClass ? ` ${rowClass(i)}` : ''}`}
        style={{ top: i * rowHeight, height: rowHeight }}
        onMouseDown={() => onActive(i)}
      >
        {renderRow(i)}
      </div>,
    );
  }
  const activeRendered = active !== null && active >= first && active < last;

  return (
    <div
      ref={scroller}
      id={id}
      className="vgrid"
      role="grid"
      aria-label={label}
      aria-rowcount={rowCount + 1}
      aria-readonly="true"
      tabIndex={0}
      aria-activedescendant={activeRendered ? `${id}-row-${active}` : undefined}
      onKeyDown={onKeyDown}
      onScroll={onScroll}
      data-row-count={rowCount}
    >
      <div role="rowgroup" className="vhead" ref={headerRef}>
        <div role="row" aria-rowindex={1} className="vrow vrow-head">
          {header}
        </div>
      </div>
      <div role="rowgroup" className="vbody" style={{ height: rowCount * rowHeight }}>
        {rows}
      </div>
    </div>
  );
}

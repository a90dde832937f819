import { useEffect, useRef, type ReactNode } from 'react';
import { useT } from './i18n/i18n.ts';

/**
 * Analyzer text (sample ids, codes, values, units, ranges) isolated left-to-right, so that `<15`
 * never reads `15>` inside Arabic. Always rendered as text: React escapes it.
 */
export function Ltr({ children, className }: { children: ReactNode; className?: string }) {
  return (
    <bdi dir="ltr" className={className}>
      {children}
    </bdi>
  );
}

export function TestDataBadge() {
  const t = useT();
  return <span className="badge badge-test">{t.testData}</span>;
}

let focusNextTitle = false;

/** After a person moves to another screen, focus goes to its title, so screen readers announce it. */
export function focusScreenTitleOnNextMount(): void {
  focusNextTitle = true;
}

export function ScreenTitle({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (!focusNextTitle) return;
    focusNextTitle = false;
    ref.current?.focus();
  }, []);
  return (
    <h2 id="screen-title" tabIndex={-1} ref={ref}>
      {children}
    </h2>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

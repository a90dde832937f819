import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT } from './processes.ts';

/** Where each screen's picture goes, per language: test-artifacts/screens/<screen>-<lang>.png. */
export const SCREENS_DIR = join(ROOT, 'test-artifacts', 'screens');

/** The console on a lab PC's screen. */
export const VIEWPORT = { width: 1366, height: 768 };

let axeSource: string | null = null;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; html: string; failureSummary?: string }[];
}

/** Runs axe-core in the page and returns the serious and critical violations. */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
  // Evaluated through the DevTools protocol: the console's Content Security Policy (script-src
  // 'self') rightly refuses an injected script tag, and the test must not weaken it.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    const res = await axe.run(document, { resultTypes: ['violations'] });
    return res.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, html: n.html.slice(0, 200), failureSummary: n.failureSummary })) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Readable for an assertion message. */
export function describeViolations(v: AxeViolation[]): string {
  return v.map((x) => `${x.impact} ${x.id}: ${x.help}\n${x.nodes.map((n) => `  ${n.target.join(' ')}: ${n.failureSummary ?? ''} ${n.html}`).join('\n')}`).join('\n');
}

export async function screenshot(page: Page, screen: string, lang: string): Promise<void> {
  mkdirSync(SCREENS_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENS_DIR, `${screen}-${lang}.png`), fullPage: false });
}

/** Switches the console's language as a person does: the header's language buttons. */
export async function switchLanguage(page: Page, lang: 'en' | 'ar'): Promise<void> {
  await page.locator(`.lang-switch button[lang="${lang}"]`).click();
  await page.locator(`html[lang="${lang}"][dir="${lang === 'ar' ? 'rtl' : 'ltr'}"]`).waitFor();
}

/** Goes to a screen through its tab, as a person does. */
export async function openScreen(page: Page, name: string | RegExp): Promise<void> {
  await page.getByRole('navigation').getByRole('link', { name, exact: typeof name === 'string' }).click();
  await page.locator('#screen-title').waitFor();
}

/** Fits the lab PC's 1366-pixel-wide screen: nothing makes the page scroll sideways. Returns what sticks out. */
export async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate((width) => {
    const scrollWidth = document.documentElement.scrollWidth;
    if (scrollWidth <= width) return [];
    // Boxes outside the screen, and boxes whose text runs out of them (their own box stays inside).
    const wide = [...document.querySelectorAll('body *')].filter((el) => {
      const r = el.getBoundingClientRect();
      return r.right > width || r.left < 0 || (getComputedStyle(el).overflowX === 'visible' && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0);
    });
    return [`page ${scrollWidth} px wide`, ...wide.slice(0, 8).map((el) => `${el.tagName.toLowerCase()}.${(el as HTMLElement).className} ${el.getBoundingClientRect().left.toFixed(1)}..${el.getBoundingClientRect().right.toFixed(1)} ${document.documentElement.dir}`)];
  }, VIEWPORT.width);
}

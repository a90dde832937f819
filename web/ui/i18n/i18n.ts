import { useSyncExternalStore } from 'react';
import { ar } from './ar.ts';
import { en, type Messages } from './en.ts';

export type Lang = 'en' | 'ar';

export const LANGUAGES: { lang: Lang; name: string }[] = [
  { lang: 'en', name: 'English' },
  { lang: 'ar', name: 'العربية' },
];

const CATALOGS: Record<Lang, Messages> = { en, ar };
const DIRECTION: Record<Lang, 'ltr' | 'rtl'> = { en: 'ltr', ar: 'rtl' };
const STORAGE_KEY = 'lis-console-lang';

/** The stored choice, else the browser's language, else English. */
export function initialLang(): Lang {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored === 'en' || stored === 'ar') return stored;
  } catch {
    // storage may be blocked; the browser's language still applies
  }
  const browser = (navigator.languages?.[0] ?? navigator.language ?? 'en').toLowerCase();
  return browser.startsWith('ar') ? 'ar' : 'en';
}

let current: Lang = 'en';
const listeners = new Set<() => void>();

function apply(lang: Lang): void {
  const html = document.documentElement;
  html.lang = lang;
  html.dir = DIRECTION[lang];
  document.title = CATALOGS[lang].appTitle;
}

export function startI18n(): void {
  current = initialLang();
  apply(current);
}

export function setLang(lang: Lang): void {
  if (lang === current) return;
  current = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // the choice then lasts for this page only
  }
  apply(lang);
  for (const l of listeners) l();
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function useLang(): Lang {
  return useSyncExternalStore(subscribe, () => current);
}

export function useT(): Messages {
  return CATALOGS[useLang()];
}

/** Western digits in both languages: analyzer values, times and counters read the same everywhere. */
const LOCALE: Record<Lang, string> = { en: 'en-GB', ar: 'ar-u-nu-latn' };

const timeFormats = new Map<string, Intl.DateTimeFormat>();
function format(lang: Lang, key: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const id = `${lang}:${key}`;
  let f = timeFormats.get(id);
  if (!f) {
    f = new Intl.DateTimeFormat(LOCALE[lang], opts);
    timeFormats.set(id, f);
  }
  return f;
}

export function formatTime(lang: Lang, at: number | undefined): string {
  if (at === undefined || !Number.isFinite(at)) return '—';
  return format(lang, 'time', { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(at);
}

export function formatDateTime(lang: Lang, at: number | undefined): string {
  if (at === undefined || !Number.isFinite(at)) return '—';
  return format(lang, 'datetime', { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(at);
}

export function formatNumber(lang: Lang, n: number): string {
  return n.toLocaleString(LOCALE[lang]);
}

export function formatBytes(lang: Lang, n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toLocaleString(LOCALE[lang], { maximumFractionDigits: i === 0 ? 0 : 1 })} ${units[i]}`;
}

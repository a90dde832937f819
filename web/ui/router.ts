import { useSyncExternalStore } from 'react';

/** The console's screens, addressed by the URL's hash (`#/outbox`, `#/inspector/3`), so reloads and links keep the place. */
export const SCREENS = ['devices', 'inspector', 'results', 'outbox', 'queries', 'simulator', 'audit', 'settings', 'about'] as const;
export type Screen = (typeof SCREENS)[number];

export interface Route {
  screen: Screen;
  /** The machine id for screens that show one analyzer (inspector, simulator). */
  machineId?: number;
}

export function parseRoute(hash: string): Route {
  const [name, arg] = hash.replace(/^#\/?/, '').split('/');
  const screen = (SCREENS as readonly string[]).includes(name ?? '') ? (name as Screen) : 'devices';
  const id = Number(arg);
  return Number.isInteger(id) && id > 0 ? { screen, machineId: id } : { screen };
}

export function href(route: Route): string {
  return `#/${route.screen}${route.machineId !== undefined ? `/${route.machineId}` : ''}`;
}

export function navigate(route: Route): void {
  location.hash = href(route);
}

let cached = { hash: '', route: parseRoute('') };
function snapshot(): Route {
  if (cached.hash !== location.hash) cached = { hash: location.hash, route: parseRoute(location.hash) };
  return cached.route;
}

function subscribe(l: () => void): () => void {
  window.addEventListener('hashchange', l);
  return () => window.removeEventListener('hashchange', l);
}

export function useRoute(): Route {
  return useSyncExternalStore(subscribe, snapshot);
}

import type { DeviceSpec } from '../shared/bridge-wire.ts';

/**
 * What this PC's bridge may do, set at install and never by a page: a bridge that opened whatever
 * socket a page asked for would be a proxy into the lab network.
 */
export interface LocalPolicy {
  /** Ports that may be listened on; null = any unprivileged port. */
  listenPorts: PortSet | null;
  /** `host:port` targets that may be connected to; empty = no outbound connections. */
  connectTargets: string[];
}

export type PortSet = { from: number; to: number }[];

/** Ports below this need administrator rights and belong to system services. */
const FIRST_UNPRIVILEGED_PORT = 1024;

export const DEFAULT_POLICY: LocalPolicy = { listenPorts: null, connectTargets: [] };

/** Parses `15001-15010,5600` style lists. */
export function parsePortSet(text: string): PortSet {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const m = part.match(/^(\d+)(?:-(\d+))?$/);
      if (!m) throw new Error(`"${part}" is not a port or a port range`);
      const from = Number(m[1]);
      const to = Number(m[2] ?? m[1]);
      if (from < 1 || to > 65535 || from > to) throw new Error(`"${part}" is not a valid port range`);
      return { from, to };
    });
}

/** Why the spec is refused, or null when the policy allows it. */
export function refusal(policy: LocalPolicy, spec: DeviceSpec): string | null {
  if (spec.mode === 'server') {
    if (policy.listenPorts === null) {
      return spec.port >= FIRST_UNPRIVILEGED_PORT ? null : `port ${spec.port} is a privileged port; the bridge listens only on ports from ${FIRST_UNPRIVILEGED_PORT}`;
    }
    return policy.listenPorts.some((r) => spec.port >= r.from && spec.port <= r.to)
      ? null
      : `port ${spec.port} is not in this bridge's allowed listening ports; lab IT sets them at install`;
  }
  const target = `${spec.host ?? ''}:${spec.port}`;
  return policy.connectTargets.includes(target) ? null : `connecting to ${target} is not allowed by this bridge; lab IT lists analyzer addresses at install`;
}

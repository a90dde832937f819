import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, parsePortSet, refusal } from './local-policy.ts';

describe('local policy', () => {
  it('by default allows any unprivileged listening port and no outbound connection', () => {
    expect(refusal(DEFAULT_POLICY, { device: '1', mode: 'server', port: 15001 })).toBeNull();
    expect(refusal(DEFAULT_POLICY, { device: '1', mode: 'server', port: 80 })).toMatch(/privileged/);
    expect(refusal(DEFAULT_POLICY, { device: '1', mode: 'client', host: '10.0.0.5', port: 5000 })).toMatch(/not allowed/);
  });

  it('honours explicit lists', () => {
    const policy = { listenPorts: parsePortSet('15001-15004, 5600'), connectTargets: ['10.0.0.5:5000'] };
    expect(refusal(policy, { device: '1', mode: 'server', port: 15003 })).toBeNull();
    expect(refusal(policy, { device: '1', mode: 'server', port: 5600 })).toBeNull();
    expect(refusal(policy, { device: '1', mode: 'server', port: 15005 })).toMatch(/not in this bridge's allowed/);
    expect(refusal(policy, { device: '1', mode: 'client', host: '10.0.0.5', port: 5000 })).toBeNull();
    expect(refusal(policy, { device: '1', mode: 'client', host: '10.0.0.6', port: 5000 })).toMatch(/not allowed/);
  });

  it('rejects malformed port lists', () => {
    expect(() => parsePortSet('15001-')).toThrow(/not a port/);
    expect(() => parsePortSet('20-10')).toThrow(/not a valid/);
    expect(() => parsePortSet('70000')).toThrow(/not a valid/);
  });
});

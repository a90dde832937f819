import { describe, expect, it } from 'vitest';
import { pageIsPublic } from './host-checks.ts';

describe('Local Network Access applies only to a console on a public address', () => {
  it('knows loopback, private and link-local addresses from public ones', () => {
    for (const h of ['localhost', '127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.1', '192.168.1.10', '169.254.1.1', '[::1]', 'fd00::1', 'lab-pc.local']) expect(pageIsPublic(h), h).toBe(false);
    for (const h of ['lis.example.com', '8.8.8.8', '172.32.0.1', 'fdlab.example.com', '2001:db8::1']) expect(pageIsPublic(h), h).toBe(true);
  });
});

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemdUnit, windowsFirewallCommand, windowsTaskXml } from './service-files.ts';
import { installedExecutable, installPlan, uninstallPlan } from './service-install.ts';

const cmd = { program: process.execPath, args: ['--import', 'tsx', '/opt/lis bridge/main.ts', 'run', '--data-dir', '/var/lib/lis-bridge'], dataDir: '/var/lib/lis-bridge' };

function hasSystemdAnalyze(): boolean {
  return spawnSync('systemd-analyze', ['--version']).status === 0;
}

describe('service files', () => {
  it('writes a systemd unit that restarts the bridge and passes systemd-analyze verify', () => {
    const unit = systemdUnit(cmd);
    expect(unit).toContain('Restart=always');
    expect(unit).toContain(`ExecStart=${process.execPath} --import tsx "/opt/lis bridge/main.ts" run --data-dir /var/lib/lis-bridge`);
    expect(unit).toContain('WantedBy=default.target');
    if (!hasSystemdAnalyze()) return;
    const dir = mkdtempSync(join(tmpdir(), 'unit-'));
    try {
      const file = join(dir, 'lis-bridge.service');
      writeFileSync(file, unit);
      const out = spawnSync('systemd-analyze', ['verify', '--man=no', file], { encoding: 'utf8' });
      // Only complaints about this unit count; the container's own units may be broken.
      const mine = (out.stderr + out.stdout).split('\n').filter((l) => l.includes('lis-bridge.service') && !/Failed to .*bus|Command .* is not executable/.test(l));
      expect(mine).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes a Windows logon task that restarts on failure and never starts a second instance', () => {
    const xml = windowsTaskXml({ ...cmd, program: 'C:\\Users\\lab\\AppData\\Local\\lis-bridge\\lis-bridge.exe', args: ['run'] }, 'LAB\\tech');
    expect(xml).toContain('<LogonTrigger>');
    expect(xml).toContain('<UserId>LAB\\tech</UserId>');
    expect(xml).toContain('<MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>');
    expect(xml).toContain('<RestartOnFailure>');
    expect(xml).toContain('<ExecutionTimeLimit>PT0S</ExecutionTimeLimit>');
    expect(xml).toContain('<Command>C:\\Users\\lab\\AppData\\Local\\lis-bridge\\lis-bridge.exe</Command>');
    expect(xml).toContain('<RunLevel>LeastPrivilege</RunLevel>');
    if (spawnSync('xmllint', ['--version']).status === 0) execFileSync('xmllint', ['--noout', '-'], { input: xml.replace('encoding="UTF-16"', 'encoding="UTF-8"') });
  });

  it('registers under one fixed name, so installing twice replaces rather than adds', () => {
    const linux = installPlan(cmd, 'linux');
    expect(linux.files.map((f) => f.path.split('/').pop())).toEqual(['lis-bridge.service']);
    expect(linux.commands).toContainEqual(['systemctl', '--user', 'enable', '--now', 'lis-bridge.service']);
    const win = installPlan(cmd, 'win32');
    expect(win.commands[0]).toEqual(['schtasks', '/Create', '/TN', 'LIS Bridge', '/XML', join(cmd.dataDir, 'lis-bridge-task.xml'), '/F']);
    expect(uninstallPlan(cmd.dataDir, 'win32').commands).toContainEqual(['schtasks', '/Delete', '/TN', 'LIS Bridge', '/F']);
  });

  it('runs the executable from its home in the data directory, and uninstall removes it but keeps the pairing', () => {
    expect(installedExecutable(cmd.dataDir, 'win32')).toBe(join(cmd.dataDir, 'bin', 'lis-bridge.exe'));
    expect(installedExecutable(cmd.dataDir, 'linux')).toBe(join(cmd.dataDir, 'bin', 'lis-bridge'));
    for (const os of ['linux', 'win32'] as const) {
      const removed = uninstallPlan(cmd.dataDir, os).remove;
      expect(removed).toContain(join(cmd.dataDir, 'bin'));
      expect(removed).not.toContain(cmd.dataDir);
    }
  });

  it('documents the one firewall rule analyzers need on Windows', () => {
    expect(windowsFirewallCommand('C:\\lis\\lis-bridge.exe', '15001-15004,5600')).toBe(
      'netsh advfirewall firewall add rule name="LIS Bridge analyzers" dir=in action=allow protocol=TCP localport=15001-15004,5600 program="C:\\lis\\lis-bridge.exe" profile=private,domain',
    );
  });
});

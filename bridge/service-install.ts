import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { SERVICE_NAME, WINDOWS_TASK_NAME, systemdUnit, windowsTaskXml, type ServiceCommand } from './service-files.ts';

export interface InstallPlan {
  /** The executable copied to its home first, so the service never runs it from Downloads. */
  copy?: { from: string; to: string };
  files: { path: string; content: string }[];
  commands: string[][];
}

/** Where `install` puts the executable: self-updates replace it there, beside its `.prev`. */
export function installedExecutable(dataDir: string, platform = process.platform): string {
  return join(dataDir, 'bin', platform === 'win32' ? 'lis-bridge.exe' : 'lis-bridge');
}

function systemdUserDir(): string {
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'systemd', 'user');
}

/**
 * What `install` writes and runs. Installing twice rewrites the same unit or task under the same
 * name, so it can never register a second copy.
 */
export function installPlan(cmd: ServiceCommand, platform = process.platform): InstallPlan {
  if (platform === 'win32') {
    const xml = join(cmd.dataDir, 'lis-bridge-task.xml');
    return {
      files: [{ path: xml, content: windowsTaskXml(cmd, userInfo().username) }],
      commands: [
        ['schtasks', '/Create', '/TN', WINDOWS_TASK_NAME, '/XML', xml, '/F'],
        ['schtasks', '/Run', '/TN', WINDOWS_TASK_NAME],
      ],
    };
  }
  return {
    files: [{ path: join(systemdUserDir(), `${SERVICE_NAME}.service`), content: systemdUnit(cmd) }],
    commands: [
      ['systemctl', '--user', 'daemon-reload'],
      ['systemctl', '--user', 'enable', '--now', `${SERVICE_NAME}.service`],
    ],
  };
}

/** Unregisters and stops the service, and removes the installed executables; the data directory (pairing, log) stays. */
export function uninstallPlan(dataDir: string, platform = process.platform): { remove: string[]; commands: string[][] } {
  const bin = join(dataDir, 'bin');
  if (platform === 'win32') return { remove: [bin], commands: [['schtasks', '/End', '/TN', WINDOWS_TASK_NAME], ['schtasks', '/Delete', '/TN', WINDOWS_TASK_NAME, '/F']] };
  return {
    remove: [join(systemdUserDir(), `${SERVICE_NAME}.service`), bin],
    commands: [
      ['systemctl', '--user', 'disable', '--now', `${SERVICE_NAME}.service`],
      ['systemctl', '--user', 'daemon-reload'],
    ],
  };
}

export function runInstall(plan: InstallPlan): void {
  if (plan.copy && plan.copy.from !== plan.copy.to) {
    mkdirSync(join(plan.copy.to, '..'), { recursive: true });
    copyFileSync(plan.copy.from, plan.copy.to);
    chmodSync(plan.copy.to, 0o755);
  }
  for (const f of plan.files) {
    mkdirSync(join(f.path, '..'), { recursive: true });
    // Windows' schtasks reads the XML as UTF-16, as it declares itself.
    writeFileSync(f.path, f.path.endsWith('.xml') ? '\ufeff' + f.content : f.content, f.path.endsWith('.xml') ? 'utf16le' : 'utf8');
  }
  for (const [program, ...args] of plan.commands) execFileSync(program, args, { stdio: 'inherit' });
}

export function runUninstall(plan: { remove: string[]; commands: string[][] }): void {
  for (const [program, ...args] of plan.commands) {
    try {
      execFileSync(program, args, { stdio: 'inherit' });
    } catch {
      // Already stopped or never registered: uninstall finishes the rest.
    }
  }
  for (const path of plan.remove) rmSync(path, { force: true, recursive: true });
}

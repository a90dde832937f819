/**
 * Background-service definitions. Linux: a systemd user unit. Windows: a per-user scheduled task
 * started at logon. A task rather than a Windows service because the console runs in the lab
 * user's Chrome session anyway, a task needs no third-party service wrapper binary and no
 * administrator rights, and its "ignore new instance" policy adds a second guard against a second
 * copy (the first is the bridge's own control-port lock).
 */

export const SERVICE_NAME = 'lis-bridge';
export const WINDOWS_TASK_NAME = 'LIS Bridge';

export interface ServiceCommand {
  /** The program and its arguments that run the bridge in the foreground. */
  program: string;
  args: string[];
  dataDir: string;
}

function quoteSystemd(arg: string): string {
  return /[\s"\\]/.test(arg) ? `"${arg.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : arg;
}

export function systemdUnit(cmd: ServiceCommand): string {
  return `[Unit]
Description=LIS analyzer bridge (analyzer sockets for the lab console)
After=network-online.target
Wants=network-online.target
StartLimitIntervalSec=0

[Service]
Type=simple
ExecStart=${[cmd.program, ...cmd.args].map(quoteSystemd).join(' ')}
Environment=LIS_BRIDGE_DATA_DIR=${quoteSystemd(cmd.dataDir)}
Restart=always
RestartSec=2
NoNewPrivileges=yes
UMask=0077

[Install]
WantedBy=default.target
`;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function quoteWindows(arg: string): string {
  return /[\s"]/.test(arg) ? `"${arg.replace(/"/g, '\\"')}"` : arg;
}

/** Task Scheduler XML (schema 1.2, UTF-16 declared as schtasks expects it to be written). */
export function windowsTaskXml(cmd: ServiceCommand, userId: string): string {
  return `<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>LIS analyzer bridge: analyzer sockets for the lab console. Starts at logon, restarts on failure.</Description>
  </RegistrationInfo>
  <Triggers>
    <LogonTrigger>
      <Enabled>true</Enabled>
      <UserId>${xmlEscape(userId)}</UserId>
    </LogonTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <UserId>${xmlEscape(userId)}</UserId>
      <LogonType>InteractiveToken</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <AllowHardTerminate>true</AllowHardTerminate>
    <StartWhenAvailable>true</StartWhenAvailable>
    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>
    <IdleSettings>
      <StopOnIdleEnd>false</StopOnIdleEnd>
      <RestartOnIdle>false</RestartOnIdle>
    </IdleSettings>
    <AllowStartOnDemand>true</AllowStartOnDemand>
    <Enabled>true</Enabled>
    <Hidden>false</Hidden>
    <RunOnlyIfIdle>false</RunOnlyIfIdle>
    <WakeToRun>false</WakeToRun>
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <Priority>5</Priority>
    <RestartOnFailure>
      <Interval>PT1M</Interval>
      <Count>999</Count>
    </RestartOnFailure>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>${xmlEscape(cmd.program)}</Command>
      <Arguments>${xmlEscape(cmd.args.map(quoteWindows).join(' '))}</Arguments>
      <WorkingDirectory>${xmlEscape(cmd.dataDir)}</WorkingDirectory>
    </Exec>
  </Actions>
</Task>
`;
}

/** The one firewall rule lab IT adds, with administrator rights, so analyzers can reach the bridge. */
export function windowsFirewallCommand(program: string, ports: string): string {
  return `netsh advfirewall firewall add rule name="LIS Bridge analyzers" dir=in action=allow protocol=TCP localport=${ports} program="${program}" profile=private,domain`;
}

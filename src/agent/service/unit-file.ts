import { ENV_PATH } from './service-paths'

export interface UnitFileInput {
  /** Absolute path of the Node binary the service runs (the one running this install). */
  nodePath: string
  /** Absolute path of this package's `bin/lambda.mjs`. */
  cliPath: string
  user: string
  /** The user's own group; the agent writes its data dir as user:group. */
  group: string
  dataDir: string
  /** Add the docker group, for the Docker socket (only when it exists: systemd refuses to start with an unknown group). */
  dockerGroup: boolean
  envPath?: string
  /** The shipped docs/agent.md, for `systemctl help`. */
  docsPath?: string
}

/** Paths systemd's ProtectHome=yes would hide (nvm and friends install Node there). */
const HOME_PATHS = ['/home/', '/root/', '/run/user/']

/**
 * The systemd unit of the agent. The agent's settings live in the environment file; the unit holds
 * what must not change without a reinstall: who runs it, what it may write, how it stops.
 */
export function renderUnitFile(input: UnitFileInput): string {
  const envPath = input.envPath ?? ENV_PATH
  // The service must still read Node and the CLI when they live in a home folder.
  const underHome = [input.nodePath, input.cliPath].some(path => HOME_PATHS.some(home => path.startsWith(home)))
  return `[Unit]
Description=Mini Lambda agent (gateway and admin API for your functions)
${input.docsPath ? `Documentation=file://${input.docsPath}\n` : ''}After=network-online.target docker.service
Wants=network-online.target docker.service

[Service]
Type=simple
User=${input.user}
Group=${input.group}
${input.dockerGroup ? '# The Docker socket is root:docker 0660.\nSupplementaryGroups=docker\n' : ''}EnvironmentFile=${envPath}
ExecStart=${input.nodePath} ${input.cliPath} agent --port \${LAMBDA_PORT} --domain \${LAMBDA_DOMAIN} --provider \${LAMBDA_PROVIDER} --keep-instances $LAMBDA_AGENT_ARGS
# Re-reads the TLS certificate and key (--tls-cert/--tls-key) without a restart.
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec=2s
# SIGTERM to the agent only: it stops accepting, saves its state and, with --keep-instances, leaves its
# function containers running (they are Docker's, outside this unit's cgroup) within 20 s; whatever of the
# unit is left after TimeoutStopSec is killed. Each container's runtime waits (--adopt-grace, 60 s) for the
# next start, which adopts it warm: a restart or an upgrade costs no cold starts. One the agent does not
# come back for exits, and the next start removes it. Deployed functions (state and images) stay in the
# data dir and Docker, and the next start serves every one of them again without rebuilding.
KillMode=mixed
KillSignal=SIGTERM
TimeoutStopSec=30s
LimitNOFILE=65536
# Files it creates are its own (the data dir is 0700 anyway); files it writes for images set their modes.
UMask=0077
# Journal lines as \`mini-lambda[pid]\`, not \`node[pid]\`; the agent prefixes each with its priority.
SyslogIdentifier=mini-lambda

# Port 80/443 without root; no other capability.
AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
NoNewPrivileges=yes
# The whole file system is read-only except the data dir; the Docker socket stays reachable
# (connecting to a socket is not a write to the file system).
ProtectSystem=strict
ReadWritePaths=${input.dataDir}
ProtectHome=${underHome ? 'read-only' : 'yes'}
PrivateTmp=yes
PrivateDevices=yes
PrivateMounts=yes
ProtectProc=invisible
RemoveIPC=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictSUIDSGID=yes
RestrictNamespaces=yes
RestrictRealtime=yes
LockPersonality=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallErrorNumber=EPERM

[Install]
WantedBy=multi-user.target
`
}

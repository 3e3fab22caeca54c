/** Types of scripts/remote-host.mjs (the tests and `npm run bench` share that one implementation). */
export interface RemoteHost {
  ip: string;
  /** The client key that logs in as root. */
  key: string;
  url: string;
  dir: string;
  /** The host's current public key ("ssh-ed25519 AAAA…"). */
  hostKey(): string;
  /** Gives sshd a new host key and restarts it (its open sessions end too). */
  rekey(): Promise<void>;
  /** Stops sshd and ends its sessions (the host "goes away"); its dockerd and containers keep running. */
  down(): void;
  /** Starts sshd again after `down`. */
  up(): Promise<void>;
  /** Stops sshd (its sessions end) and dockerd (containers stop), then starts both again. */
  restart(): Promise<void>;
  stop(): void;
  /** Runs a shell command on the host as root (the test's own view, not Nexus's); its stdout. */
  shell(command: string): string;
}

/** Brings one up and waits (at most 60 s) until its sshd answers and its dockerd is ready. Needs root. */
export function startRemoteHost(clientDir: string): Promise<RemoteHost>;

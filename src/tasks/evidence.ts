import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { writeAtomic } from "../core/atomic.js";
import { NexusError } from "../core/errors.js";
import { gitRaw } from "../core/git.js";
import { nexusHome, type ProjectPaths } from "../core/paths.js";
import type { TaskEvent } from "./model.js";
import {
  type AllowedSigner,
  NAMESPACE,
  parseAllowedSigners,
  unarmor,
  verifySignature,
} from "./signatures.js";

/**
 * Evidence: the gate run that makes a task done is signed (git's SSH signature format, by
 * `ssh-keygen -Y sign`) and verified against `.nexus/allowed_signers` in the repository. A record
 * written by hand, or copied from another task, or signed by a key nobody allowed, proves nothing.
 */

/** What a task's verified state is judged against: the allowed signers and the project's gates. */
export interface Trust {
  gates: string[];
  allowed: { signers: AllowedSigner[]; needsSshKeygen: boolean; text: string };
  /** Changes whenever the allowed signers or the gates do (the task index is rebuilt then). */
  fingerprint: string;
}

function allowedSignersFile(paths: Pick<ProjectPaths, "nexusDir">): string {
  return join(paths.nexusDir, "allowed_signers");
}

export function loadTrust(paths: Pick<ProjectPaths, "nexusDir">, gates: string[]): Trust {
  const file = allowedSignersFile(paths);
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  const fingerprint = createHash("sha256")
    .update(text)
    .update(JSON.stringify(gates))
    .digest("hex")
    .slice(0, 16);
  return { gates, allowed: { ...parseAllowedSigners(text), text }, fingerprint };
}

/** The exact bytes a signature covers: which task, which event, who, when, what ran, where, and how it ended. */
export function evidencePayload(taskId: string, event: TaskEvent): string {
  return JSON.stringify({
    v: 1,
    task: taskId,
    event: event.id,
    type: event.type,
    at: event.at,
    by: event.by,
    to: event.to ?? null,
    commit: event.commit ?? null,
    checks: event.checks ?? null,
    results: (event.results ?? []).map((r) => [r.command, r.exitCode]),
  });
}

/** Whether the event carries a signature that verifies for this task against the trust's signers. */
export function signatureVerifies(trust: Trust, taskId: string, event: TaskEvent): boolean {
  if (!event.signature || !event.signer) return false;
  return verifySignature(trust.allowed, event.signer, evidencePayload(taskId, event), event.signature);
}

export interface Signer {
  principal: string;
  /** The key file given to ssh-keygen -f (a private key, or a public key whose private half is in ssh-agent). */
  keyFile: string;
  publicKey: string;
  own: boolean;
}

/**
 * The user's SSH signing key when git is set up to sign with one (gpg.format ssh + user.signingkey),
 * else Nexus's own key in NEXUS_HOME/keys, made on first use. The principal is git's user.email.
 */
export async function loadSigner(root: string): Promise<Signer> {
  const config = await gitConfig(root);
  const principal = config["user.email"] || `${safeUser()}@${hostname()}`;
  const key = config["user.signingkey"];
  if (config["gpg.format"] === "ssh" && key && !key.startsWith("key::")) {
    const file = key.replace(/^~(?=\/)/, process.env.HOME ?? "");
    const publicFile = file.endsWith(".pub") ? file : `${file}.pub`;
    if (existsSync(publicFile))
      return { principal, keyFile: file, publicKey: readFileSync(publicFile, "utf8").trim(), own: false };
  }
  return ownSigner(principal);
}

async function gitConfig(root: string): Promise<Record<string, string>> {
  const result = await gitRaw(
    ["config", "--get-regexp", "^(user\\.email|user\\.signingkey|gpg\\.format)$"],
    root,
  );
  const entries = result.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const at = line.indexOf(" ");
      return [line.slice(0, at).toLowerCase(), line.slice(at + 1)] as const;
    });
  return Object.fromEntries(entries);
}

async function ownSigner(principal: string): Promise<Signer> {
  const dir = join(nexusHome(), "keys", "evidence");
  const keyFile = join(dir, "id_ed25519");
  if (!existsSync(keyFile)) await makeOwnKey(dir, principal);
  return { principal, keyFile, publicKey: readFileSync(`${keyFile}.pub`, "utf8").trim(), own: true };
}

/**
 * Both halves are made in a folder of their own, which is then renamed into place: the rename fails
 * when another process got there first (parallel first completions), and its pair is used instead.
 */
async function makeOwnKey(dir: string, principal: string): Promise<void> {
  try {
    mkdirSync(dirname(dir), { recursive: true, mode: 0o700 });
    const temp = mkdtempSync(`${dir}.tmp-`);
    await sshKeygen([
      "-q",
      "-t",
      "ed25519",
      "-N",
      "",
      "-C",
      `nexus evidence ${principal}`,
      "-f",
      join(temp, "id_ed25519"),
    ]);
    try {
      renameSync(temp, dir);
    } catch (error) {
      rmSync(temp, { recursive: true, force: true });
      if (!existsSync(join(dir, "id_ed25519"))) throw error;
    }
  } catch (error) {
    throw new NexusError(`Cannot make Nexus's signing key in ${dir}: ${(error as Error).message}`, {
      category: "environment",
      hint: "Make NEXUS_HOME (~/.nexus) writable, or point NEXUS_HOME at a writable folder; ssh-keygen must be installed.",
    });
  }
}

/** Signs the payload; the signature is the SSHSIG blob in base64 (ssh-keygen's armour removed). */
export async function signPayload(signer: Signer, payload: string): Promise<string> {
  try {
    return unarmor(await sshKeygen(["-Y", "sign", "-q", "-n", NAMESPACE, "-f", signer.keyFile], payload));
  } catch (error) {
    throw new NexusError(`Cannot sign the record with ${signer.keyFile}: ${(error as Error).message}`, {
      category: "environment",
      hint: signer.own
        ? "Check that NEXUS_HOME (~/.nexus) is writable and ssh-keygen is installed, then run the command again."
        : "Add the key to ssh-agent (`ssh-add KEY`), or unset git's gpg.format/user.signingkey to sign with Nexus's own key; then run the command again.",
    });
  }
}

/** Lists the signer's key in .nexus/allowed_signers when it is not there yet; returns whether it added it. */
export function allowSigner(paths: Pick<ProjectPaths, "nexusDir">, signer: Signer): boolean {
  const file = allowedSignersFile(paths);
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  const [type, key] = signer.publicKey.split(/\s+/);
  const { signers } = parseAllowedSigners(text);
  if (signers.some((s) => s.key === key && s.principals.includes(signer.principal))) return false;
  const header = text
    ? ""
    : "# Keys whose signed gate runs count as verified (`ssh-keygen -Y verify` format). Review changes.\n";
  const line = `${signer.principal} namespaces="${NAMESPACE}" ${type} ${key}\n`;
  writeAtomic(file, `${header}${text}${text && !text.endsWith("\n") ? "\n" : ""}${line}`);
  return true;
}

function sshKeygen(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // Its own session (no terminal) and SSH_ASKPASS_REQUIRE=never: a key with a passphrase and no
    // agent fails at once instead of prompting; the timeout ends anything else that hangs.
    const child = spawn("ssh-keygen", args, {
      detached: true,
      env: { ...process.env, SSH_ASKPASS_REQUIRE: "never", DISPLAY: "" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c));
    child.stderr.on("data", (c: Buffer) => (stderr += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.on("error", (error) => reject(error));
    child.on("close", (code) => {
      clearTimeout(timer);
      code === 0 ? resolve(stdout) : reject(new Error(stderr.trim() || `ssh-keygen exited ${code}`));
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(input ?? "");
  });
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "nexus";
  }
}

import { execFileSync } from "node:child_process";
import { createHash, createPublicKey, verify } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The SSH signature namespace of Nexus's evidence (`ssh-keygen -Y sign -n`). */
export const NAMESPACE = "nexus-evidence";

export interface AllowedSigner {
  principals: string[];
  namespaces?: string[];
  /** The key type and its base64 blob, as in an authorized_keys line. */
  keyType: string;
  key: string;
}

/**
 * Parses an allowed-signers file (ssh-keygen(1), ALLOWED SIGNERS): `principals [options] keytype key`.
 * Lines with options Nexus does not evaluate itself (cert-authority, valid-after, valid-before) are
 * kept for ssh-keygen, which `verifySignature` asks for any key it cannot check in-process.
 */
export function parseAllowedSigners(text: string): { signers: AllowedSigner[]; needsSshKeygen: boolean } {
  const signers: AllowedSigner[] = [];
  let needsSshKeygen = false;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const fields = line.match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];
    const typeAt = fields.findIndex((f, i) => i > 0 && /^(ssh-|ecdsa-|sk-)/.test(f));
    if (typeAt < 1 || !fields[typeAt + 1]) continue;
    const options = fields.slice(1, typeAt).join(",");
    if (/cert-authority|valid-after|valid-before/i.test(options)) needsSshKeygen = true;
    const namespaces = options.match(/namespaces="([^"]*)"/i)?.[1]?.split(",");
    signers.push({
      principals: fields[0]!.split(","),
      ...(namespaces ? { namespaces } : {}),
      keyType: fields[typeAt]!,
      key: fields[typeAt + 1]!,
    });
  }
  return { signers, needsSshKeygen };
}

/** SSH wire strings: uint32 length + bytes. */
function readStrings(buffer: Buffer, count: number, offset = 0): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    if (offset + 4 > buffer.length) throw new Error("truncated");
    const size = buffer.readUInt32BE(offset);
    if (offset + 4 + size > buffer.length) throw new Error("truncated");
    out.push(buffer.subarray(offset + 4, offset + 4 + size));
    offset += 4 + size;
  }
  return out;
}

function sshString(value: Buffer | string): Buffer {
  const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value);
  const size = Buffer.alloc(4);
  size.writeUInt32BE(bytes.length);
  return Buffer.concat([size, bytes]);
}

/** The fields of an SSHSIG blob (PROTOCOL.sshsig), or undefined when it is not one. */
function parseSshsig(base64: string) {
  try {
    const blob = Buffer.from(base64, "base64");
    if (blob.subarray(0, 6).toString() !== "SSHSIG" || blob.readUInt32BE(6) !== 1) return undefined;
    const [publicKey, namespace, reserved, hashAlgorithm, signature] = readStrings(blob, 5, 10);
    return {
      publicKey: publicKey!,
      namespace: namespace!.toString(),
      reserved: reserved!,
      hashAlgorithm: hashAlgorithm!.toString(),
      signature: signature!,
    };
  } catch {
    return undefined;
  }
}

/**
 * Whether `signature` (an SSHSIG blob, base64) signs `message` in Nexus's namespace with a key the
 * allowed signers give to `principal`. Ed25519 (Nexus's own keys, most users' keys) is checked
 * in-process: ~0.1 ms instead of a 5 ms ssh-keygen per task when a merged tasks.jsonl is indexed
 * (`npm run bench`). Any other key type, or a file with options only ssh-keygen evaluates, goes to
 * `ssh-keygen -Y verify`; a test checks both agree.
 */
export function verifySignature(
  allowed: { signers: AllowedSigner[]; needsSshKeygen: boolean; text: string },
  principal: string,
  message: string,
  signature: string,
): boolean {
  const sig = parseSshsig(signature);
  if (!sig || sig.namespace !== NAMESPACE) return false;
  const [keyType, rawKey] = readStringsSafe(sig.publicKey);
  if (allowed.needsSshKeygen || keyType !== "ssh-ed25519" || !rawKey)
    return sshKeygenVerify(allowed.text, principal, message, signature);
  const keyBase64 = sig.publicKey.toString("base64");
  const listed = allowed.signers.some(
    (s) =>
      s.key === keyBase64 &&
      s.principals.some((p) => principalMatches(p, principal)) &&
      (!s.namespaces || s.namespaces.includes(NAMESPACE)),
  );
  if (!listed || !["sha512", "sha256"].includes(sig.hashAlgorithm)) return false;
  const digest = createHash(sig.hashAlgorithm).update(message).digest();
  const signed = Buffer.concat([
    Buffer.from("SSHSIG"),
    sshString(NAMESPACE),
    sshString(sig.reserved),
    sshString(sig.hashAlgorithm),
    sshString(digest),
  ]);
  const [sigType, sigBytes] = readStringsSafe(sig.signature);
  if (sigType !== "ssh-ed25519" || !sigBytes) return false;
  const key = createPublicKey({
    key: { kty: "OKP", crv: "Ed25519", x: rawKey.toString("base64url") },
    format: "jwk",
  });
  return verify(null, signed, key, sigBytes);
}

function readStringsSafe(blob: Buffer): [string | undefined, Buffer | undefined] {
  try {
    const [type, value] = readStrings(blob, 2);
    return [type!.toString(), value];
  } catch {
    return [undefined, undefined];
  }
}

/** allowed_signers principals are patterns: `*` and `?` wildcards, `!` negation is not granted. */
function principalMatches(pattern: string, principal: string): boolean {
  if (pattern.startsWith("!")) return false;
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );
  return regex.test(principal);
}

function sshKeygenVerify(
  allowedText: string,
  principal: string,
  message: string,
  signature: string,
): boolean {
  const dir = mkdtempSync(join(tmpdir(), "nexus-verify-"));
  try {
    writeFileSync(join(dir, "allowed"), allowedText);
    writeFileSync(join(dir, "sig"), armor(signature));
    execFileSync(
      "ssh-keygen",
      ["-Y", "verify", "-f", join(dir, "allowed"), "-I", principal, "-n", NAMESPACE, "-s", join(dir, "sig")],
      { input: message, stdio: ["pipe", "ignore", "ignore"], timeout: 10_000 },
    );
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function armor(base64: string): string {
  const lines = base64.match(/.{1,70}/g) ?? [];
  return `-----BEGIN SSH SIGNATURE-----\n${lines.join("\n")}\n-----END SSH SIGNATURE-----\n`;
}

export function unarmor(text: string): string {
  return text
    .split("\n")
    .filter((l) => l && !l.startsWith("-----"))
    .join("");
}

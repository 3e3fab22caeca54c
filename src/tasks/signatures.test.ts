import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { armor, NAMESPACE, parseAllowedSigners, unarmor, verifySignature } from "./signatures.js";

function keyPair(type = "ed25519"): { file: string; pub: string } {
  const dir = mkdtempSync(join(tmpdir(), "nexus-sig-"));
  const file = join(dir, "key");
  execFileSync("ssh-keygen", [
    "-q",
    "-t",
    type,
    ...(type === "rsa" ? ["-b", "2048"] : []),
    "-N",
    "",
    "-f",
    file,
  ]);
  return { file, pub: readFileSync(`${file}.pub`, "utf8").trim() };
}

function sign(file: string, message: string, namespace = NAMESPACE): string {
  return unarmor(
    execFileSync("ssh-keygen", ["-Y", "sign", "-q", "-n", namespace, "-f", file], {
      input: message,
    }).toString(),
  );
}

/** ssh-keygen's own answer, to check the in-process verification agrees with the reference. */
function reference(allowedText: string, principal: string, message: string, signature: string): boolean {
  const dir = mkdtempSync(join(tmpdir(), "nexus-sig-"));
  writeFileSync(join(dir, "allowed"), allowedText);
  writeFileSync(join(dir, "sig"), armor(signature));
  try {
    execFileSync(
      "ssh-keygen",
      ["-Y", "verify", "-f", join(dir, "allowed"), "-I", principal, "-n", NAMESPACE, "-s", join(dir, "sig")],
      {
        input: message,
        stdio: ["pipe", "ignore", "ignore"],
      },
    );
    return true;
  } catch {
    return false;
  }
}

const allowed = (text: string) => ({ ...parseAllowedSigners(text), text });

describe("SSH signatures of evidence", () => {
  const alice = keyPair();
  const mallory = keyPair();
  const text = `alice@example.com namespaces="${NAMESPACE}" ${alice.pub}\n`;
  const message = '{"task":"nx-1"}';

  it("verifies in-process exactly as ssh-keygen does", () => {
    const good = sign(alice.file, message);
    const cases: [string, string, string][] = [
      ["alice@example.com", message, good],
      ["alice@example.com", '{"task":"nx-2"}', good],
      ["bob@example.com", message, good],
      ["alice@example.com", message, sign(mallory.file, message)],
      ["alice@example.com", message, sign(alice.file, message, "git")],
      ["alice@example.com", message, `${good.slice(0, -8)}AAAAAAA=`],
    ];
    const ours = cases.map(([p, m, s]) => verifySignature(allowed(text), p, m, s));
    expect(ours).toEqual([true, false, false, false, false, false]);
    expect(cases.map(([p, m, s]) => reference(text, p, m, s))).toEqual(ours);
  });

  it("honours wildcard principals and a namespace restriction", () => {
    const good = sign(alice.file, message);
    expect(verifySignature(allowed(`*@example.com ${alice.pub}\n`), "alice@example.com", message, good)).toBe(
      true,
    );
    expect(
      verifySignature(
        allowed(`alice@example.com namespaces="git" ${alice.pub}\n`),
        "alice@example.com",
        message,
        good,
      ),
    ).toBe(false);
    expect(verifySignature(allowed(""), "alice@example.com", message, good)).toBe(false);
    expect(verifySignature(allowed(text), "alice@example.com", message, "not base64 at all")).toBe(false);
  });

  it("asks ssh-keygen for key types it does not check itself (RSA)", () => {
    const rsa = keyPair("rsa");
    const rsaText = `carol@example.com ${rsa.pub}\n`;
    const good = sign(rsa.file, message);
    expect(verifySignature(allowed(rsaText), "carol@example.com", message, good)).toBe(true);
    expect(verifySignature(allowed(rsaText), "carol@example.com", `${message} `, good)).toBe(false);
  });
});

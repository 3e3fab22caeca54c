import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { caBundle } from "./host.js";

describe("caBundle", () => {
  const dir = mkdtempSync(join(tmpdir(), "nexus-ca-"));
  const store = join(dir, "store.pem");
  const named = join(dir, "named.pem");
  writeFileSync(store, "-----BEGIN CERTIFICATE-----\n");
  writeFileSync(named, "-----BEGIN CERTIFICATE-----\n");
  writeFileSync(join(dir, "empty.pem"), "");
  symlinkSync(store, join(dir, "link.pem"));

  it("is the system store when no variable names a bundle, its link resolved (Docker mounts the file)", () => {
    expect(caBundle({}, [join(dir, "missing.pem"), join(dir, "empty.pem"), join(dir, "link.pem")])).toBe(
      store,
    );
  });

  it("is the bundle a variable names first (SSL_CERT_FILE is OpenSSL's own store), skipping missing ones", () => {
    expect(caBundle({ NODE_EXTRA_CA_CERTS: join(dir, "gone.pem"), SSL_CERT_FILE: named }, [store])).toBe(
      named,
    );
  });

  it("adds NODE_EXTRA_CA_CERTS (Node's extra CAs) to the store, in a file named by its content", () => {
    const extra = join(dir, "corp.pem");
    writeFileSync(extra, "-----BEGIN CERTIFICATE-----\ncorp\n-----END CERTIFICATE-----\n");
    const out = join(dir, "ca");
    const combined = caBundle({ NODE_EXTRA_CA_CERTS: extra }, [store], out);
    expect(combined).toMatch(/\/ca\/bundle-[0-9a-f]{16}\.pem$/);
    expect(readFileSync(combined!, "utf8")).toBe(
      "-----BEGIN CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\ncorp\n-----END CERTIFICATE-----\n",
    );
    expect(caBundle({ NODE_EXTRA_CA_CERTS: extra }, [store], out)).toBe(combined);
    expect(caBundle({ NODE_EXTRA_CA_CERTS: extra }, [combined!], out)).toBe(combined); // already in it
    expect(caBundle({ NODE_EXTRA_CA_CERTS: extra }, [join(dir, "missing.pem")], out)).toBe(extra);
  });

  it("is nothing when the host has no store at all", () => {
    expect(caBundle({}, [join(dir, "missing.pem")])).toBeUndefined();
  });
});

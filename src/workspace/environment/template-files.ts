import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

/** Every regular file below `dir`, relative and sorted, so hashes do not depend on readdir order. */
function listFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files.push(relative(dir, full));
    }
  };
  walk(dir);
  return files.sort();
}

export function hashDirectory(dir: string, extra = ""): string {
  const hash = createHash("sha256").update(extra);
  for (const file of listFiles(dir)) {
    const full = join(dir, file);
    hash.update(`${file}\0${statSync(full).mode & 0o111 ? "x" : "-"}\0`);
    hash.update(readFileSync(full));
  }
  return hash.digest("hex");
}

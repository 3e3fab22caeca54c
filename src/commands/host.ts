import type { Command } from "commander";
import { ExitStatus, UsageError } from "../core/errors.js";
import { positiveInt } from "../core/options.js";
import { info, printJson, printLine, printTable, style, success } from "../core/output.js";
import { jsonOption } from "./common.js";

export function registerHost(program: Command): void {
  const host = program
    .command("host")
    .description("remote Docker hosts reached over SSH: add, list, check, remove");
  registerAdd(host);
  jsonOption(host.command("list").description("the hosts you registered")).action(
    async (o: { json?: boolean }) => {
      const { listHosts } = await import("../workspace/remote/manage.js");
      const hosts = listHosts();
      if (o.json) return printJson(hosts);
      if (!hosts.length) return info("No hosts. Add one with `nexus host add NAME ssh://USER@HOST`.");
      await printTable(hosts, [
        { header: "NAME", value: (h) => h.name },
        { header: "TARGET", value: (h) => `${h.user}@${h.hostname}:${h.port}` },
        { header: "LIMIT", value: (h) => h.limit },
        { header: "HOST KEY", value: (h) => h.fingerprint ?? "(not pinned)" },
      ]);
    },
  );
  registerCheck(host);
  registerDefault(host);
  host
    .command("remove")
    .description("forget a host and its pinned key (nothing on the host changes)")
    .argument("<name>", "the host's name")
    .action(async (name: string) => {
      const { removeHost } = await import("../workspace/remote/manage.js");
      await removeHost(name);
      success(`Host ${name} removed.`);
    });
}

function registerAdd(host: Command): void {
  host
    .command("add")
    .description("register a host, pinning its SSH host key once you confirm its fingerprint")
    .argument("<name>", "a short name for the host (lowercase letters, digits, dashes)")
    .argument("<url>", "ssh://USER@HOST[:PORT]")
    .option("--identity <file>", "the private key to log in with (default: ssh's usual keys)")
    .option("--accept-host-key <fingerprint>", "trust the host key with this SHA256 fingerprint")
    .option(
      "--limit <n>",
      "workspaces of one repository `ralph run --hosts` places here (1 to 1000, default 4)",
      positiveInt("--limit", 1000),
    )
    .action(
      async (name: string, url: string, o: { identity?: string; acceptHostKey?: string; limit?: number }) => {
        const { addHost } = await import("../workspace/remote/manage.js");
        const added = await addHost(name, url, {
          ...o,
          confirmKey: process.stdin.isTTY ? askKey : undefined,
        });
        success(`Host ${name} added (${added.host.user}@${added.host.hostname}:${added.host.port}).`);
        info(`Host key pinned: ${added.fingerprint}. Check it with \`nexus host check ${name}\`.`);
      },
    );
}

function registerCheck(host: Command): void {
  jsonOption(
    host
      .command("check")
      .description("reachability, Docker, Compose, git, free disk and networks on a host, with what to fix")
      .argument("<name>", "the host's name"),
  ).action(async (name: string, o: { json?: boolean }) => {
    const { checkHost } = await import("../workspace/remote/check.js");
    const report = await checkHost(name);
    if (o.json) printJson(report);
    else {
      const mark = { ok: style.ok("✔"), warn: style.warn("!"), fail: style.error("✖") };
      for (const check of report.checks) {
        printLine(`${mark[check.status]} ${check.name.padEnd(8)} ${check.detail}`);
        if (check.fix) printLine(`  ${style.dim("fix:")} ${check.fix}`);
      }
    }
    if (report.checks.some((c) => c.status === "fail")) throw ExitStatus.of("check_failed");
  });
}

function registerDefault(host: Command): void {
  jsonOption(
    host
      .command("default")
      .description("the host `workspace create` uses without --host (`local`: this machine)")
      .argument("[name]", "a registered host, or `local`; omitted: show the default")
      .option("--clear", "no default: workspaces are made on this machine"),
  ).action(async (name: string | undefined, o: { clear?: boolean; json?: boolean }) => {
    const { defaultHost, setDefaultHost } = await import("../workspace/remote/default-host.js");
    if (o.clear && name !== undefined)
      throw new UsageError("Give a host or --clear, not both.", "e.g. `nexus host default build-1`.");
    if (o.clear || name !== undefined) setDefaultHost(o.clear ? undefined : name);
    const now = defaultHost();
    if (o.json) return printJson({ default: now ?? null });
    printLine(
      now
        ? `Workspaces are made on ${now} unless --host says otherwise.`
        : "Workspaces are made on this machine (no default host).",
    );
  });
}

async function askKey(
  host: { hostname: string; port: number },
  key: { key: string; fingerprint: string },
): Promise<boolean> {
  const { confirm } = await import("../core/prompt.js");
  const type = key.key.split(" ")[0];
  return confirm(
    `The ${type} host key of ${host.hostname}:${host.port} is ${key.fingerprint}. Is this the host's key?`,
    "--accept-host-key",
  );
}

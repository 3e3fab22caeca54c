import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { openProject, runtimeScript } from "../src/workspace/context.js";
import { activeServices, type ComposeModel, readModel } from "../src/workspace/engine/compose-model.js";
import { loadEnvironment } from "../src/workspace/environment/environment.js";
import { hostSetup } from "../src/workspace/environment/host.js";
import { buildOverride, devEnvironment, portRequestsFor } from "../src/workspace/environment/override.js";
import { overrideYaml } from "../src/workspace/environment/override-yaml.js";
import type { Environment } from "../src/workspace/environment/types.js";
import { projectName } from "../src/workspace/names.js";
import type { PortRecord } from "../src/workspace/store.js";
import {
  buildStandIns,
  type CorpusEntry,
  dockerCompose,
  dockerComposePlain,
  dropRegistryFeatures,
  fixtureRepo,
  imageExists,
  lostPaths,
  manifest,
  parseJsonc,
  REAL,
  setEnvironment,
  tagStandIn,
} from "./helpers/corpus.js";
import { dockerAvailable } from "./helpers/docker.js";
import { isolatedHome } from "./helpers/fs.js";

/**
 * Issue 9, criterion 1: every real compose file and devcontainer.json of test/fixtures/real goes
 * through Nexus's environment, model and override WITHOUT starting anything, and `docker compose config`
 * of the files plus the override keeps every key of the files alone, except what Nexus deliberately
 * replaces. Table-driven from manifest.json: a new fixture is covered by adding it there.
 */
const hasDocker = await dockerAvailable();
const WORKSPACE = "corpus";
const entries = manifest();

type Config = {
  name: string;
  services: Record<string, Record<string, unknown>>;
  networks?: Record<string, { name?: string; external?: boolean }>;
  volumes?: Record<string, { name?: string; external?: boolean }>;
};
type Port = { target: number; published?: string; host_ip?: string; protocol?: string };

/** Images a devcontainer fixture names that no registry can deliver here: tagged from debian:bookworm-slim. */
function missingDevcontainerImages(entry: CorpusEntry): string[] {
  if (entry.kind !== "devcontainer" || !entry.devcontainerJson) return [];
  const dir = join(REAL, entry.dir);
  const config = parseJsonc(readFileSync(join(dir, entry.devcontainerJson), "utf8"));
  const images = typeof config.image === "string" ? [config.image] : [];
  for (const file of entry.files) {
    const services = (parse(readFileSync(join(dir, file), "utf8"))?.services ?? {}) as Record<
      string,
      { image?: string; build?: unknown }
    >;
    const dev = services[String(config.service)];
    if (dev?.image && !dev.build) images.push(dev.image);
  }
  return images.filter((image) => !image.includes("$") && !imageExists(image));
}

/** The environment as Nexus computes it; registry features (unreachable here) are dropped from the copy. */
async function environmentOf(
  entry: CorpusEntry,
  repo: string,
): Promise<{ env: Environment; notes: string[] }> {
  const ctx = await openProject(repo);
  try {
    const name = entry.kind === "compose" ? "compose" : "devcontainer";
    try {
      return { env: (await loadEnvironment(ctx, name, repo))!, notes: [] };
    } catch (error) {
      if (!/could not be fetched/.test(String((error as Error).message))) throw error;
      const dropped = dropRegistryFeatures(join(repo, entry.devcontainerJson!));
      const note = `registry unreachable: features ${dropped.join(", ")} dropped (${(error as Error).message.split(":")[1]?.trim()})`;
      return { env: (await loadEnvironment(ctx, name, repo))!, notes: [note] };
    }
  } finally {
    ctx.db.close();
  }
}

/** The fixture's dev service: the manifest's, else the first service `up` starts (a database is fine). */
async function chooseDevService(entry: CorpusEntry, repo: string): Promise<string> {
  if (entry.devService) return entry.devService;
  const files = entry.files.map((f) => join(repo, f));
  // Compose's own project directory: the first file's folder (scripts/, docker/, server/build/ …).
  const base = { name: "nexus-corpus-probe", files, projectDir: dirname(files[0]!) };
  return activeServices(await readModel(base))[0]!;
}

interface Merged {
  env: Environment;
  model: ComposeModel;
  services: string[];
  ports: PortRecord[];
  repoId: string;
  project: { name: string; projectDir: string; files: string[] };
  override: string;
  notes: string[];
  devEnvKeys: string[];
  /** Where Nexus mounts into the dev service. */
  devTargets: string[];
}

/** Everything `nexus workspace create` computes before `docker compose up`, with leases made up here. */
async function mergedFor(entry: CorpusEntry): Promise<Merged> {
  const repo = await fixtureRepo(entry);
  if (entry.kind === "compose") {
    const dev = await chooseDevService(entry, repo);
    setEnvironment(repo, { compose: { files: entry.files, dev_service: dev } });
  } else setEnvironment(repo, { devcontainer: entry.devcontainerJson! });
  const { env, notes } = await environmentOf(entry, repo);
  const ctx = await openProject(repo);
  ctx.db.close();
  const ref = { repoId: ctx.repoId, workspace: WORKSPACE };
  const project = { name: projectName(ref), files: env.files, projectDir: env.projectDir };
  const model = await readModel(project);
  const services = activeServices(model, env.runServices);
  const ports = portRequestsFor(env, model, services).map((r, i) => ({
    workspace: WORKSPACE,
    ...r,
    hostPort: 42000 + i,
  }));
  const input = {
    ref,
    env,
    model,
    ports,
    mounts: {
      worktree: repo,
      gitCommonDir: ctx.paths.gitCommonDir,
      gitWritable: [join(ctx.paths.gitCommonDir, "objects")],
      runtimeScript: runtimeScript(),
    },
    host: await hostSetup(repo),
    images: {},
    extraEnv: {},
  };
  const override = join(ctx.paths.nexusDir, "compose", `${WORKSPACE}.yaml`);
  mkdirSync(join(ctx.paths.nexusDir, "compose"), { recursive: true });
  writeFileSync(override, overrideYaml(buildOverride(input, services)));
  const devEnvKeys = Object.keys(devEnvironment(input));
  const devTargets = [env.workspaceFolder, ctx.paths.gitCommonDir, join(ctx.paths.gitCommonDir, "objects")];
  devTargets.push("/run/nexus/init.sh");
  devTargets.push("/run/nexus/ca.crt");
  const merged = { env, model, services, ports, repoId: ctx.repoId, project, override, notes };
  return { ...merged, devEnvKeys, devTargets };
}

/** What Nexus deliberately replaces: ports, fixed container names, fixed network/volume names, dev service. */
function nexusOwns(m: Merged, before: Config): (path: string) => boolean {
  const dev = m.env.devService;
  const fixed = new Set<string>();
  for (const kind of ["networks", "volumes"] as const)
    for (const [key, spec] of Object.entries(before[kind] ?? {}))
      if (!spec?.external && spec?.name !== `${m.project.name}_${key}`) fixed.add(`${kind}.${key}.name`);
  return (path) => {
    if (/^services\.[^.]+\.(ports|container_name)(\[|\.|$)/.test(path)) return true;
    if (fixed.has(path)) return true;
    if (!dev) return false;
    if (m.env.overrideCommand && new RegExp(`^services\\.${dev}\\.(command|entrypoint)(\\[|$)`).test(path))
      return true;
    if (m.devEnvKeys.some((k) => path === `services.${dev}.environment.${k}`)) return true;
    // Compose merges volumes by target: Nexus's worktree mount replaces a file's mount at the same place.
    const volume = path.match(new RegExp(`^services\\.${dev}\\.volumes\\[\\]=(.*)$`))?.[1];
    return volume !== undefined && m.devTargets.includes(JSON.parse(volume).target);
  };
}

/** The services `up` starts: the active ones and, through depends_on, what they need. */
function startedServices(m: Merged, config: Config): string[] {
  const started = new Set<string>();
  const visit = (name: string) => {
    if (started.has(name)) return;
    started.add(name);
    for (const dep of Object.keys((config.services[name]?.depends_on ?? {}) as object)) visit(dep);
  };
  for (const name of m.services) visit(name);
  return [...started].sort();
}

function checkPorts(m: Merged, before: Config, after: Config): void {
  for (const name of startedServices(m, after)) {
    const service = after.services[name]!;
    const ports = (service.ports ?? []) as Port[];
    for (const port of ports) {
      expect(port.host_ip, `${name} ${port.target}: host_ip`).toBe("127.0.0.1");
      const lease = m.ports.find((p) => p.service === name && p.containerPort === port.target);
      expect(port.published, `${name} ${port.target}: the leased port`).toBe(String(lease?.hostPort));
    }
    const was = ((before.services[name]?.ports ?? []) as Port[]).map(
      (p) => `${p.target}/${p.protocol ?? "tcp"}`,
    );
    const now = ports.map((p) => `${p.target}/${p.protocol ?? "tcp"}`);
    // Same container ports and protocols as the file; the dev service may gain forwarded/SSH ports.
    if (name === m.env.devService) expect(now, `${name}: ports`).toEqual(expect.arrayContaining(was));
    else expect([...new Set(now)].sort(), `${name}: ports`).toEqual([...new Set(was)].sort());
  }
}

function checkLabelsAndNames(m: Merged, after: Config): void {
  for (const name of startedServices(m, after)) {
    const service = after.services[name]!;
    const labels = (service.labels ?? {}) as Record<string, string>;
    expect(labels["nexus.workspace"], `${name}: nexus.workspace`).toBe(WORKSPACE);
    expect(labels["nexus.repo"], `${name}: nexus.repo`).toBe(m.repoId);
    expect(service.container_name, `${name}: container_name`).toBeUndefined();
  }
  for (const kind of ["networks", "volumes"] as const)
    for (const [key, spec] of Object.entries(after[kind] ?? {}))
      if (!spec.external)
        expect(spec.name, `${kind}.${key}: scoped to the project`).toBe(`${m.project.name}_${key}`);
}

const created: string[] = [];

describe.skipIf(!hasDocker)("the real-config corpus through Nexus's override (no containers)", () => {
  beforeAll(() => {
    isolatedHome();
    buildStandIns();
    for (const image of new Set(entries.flatMap(missingDevcontainerImages))) {
      tagStandIn(image);
      created.push(image);
    }
  });

  afterAll(async () => {
    const { execFileSync } = await import("node:child_process");
    for (const image of created) execFileSync("docker", ["rmi", image], { stdio: "ignore" });
  });

  for (const entry of entries) {
    it(entry.dir, () => checkFixture(entry));
  }
});

async function checkFixture(entry: CorpusEntry): Promise<void> {
  const saved = { ...process.env };
  Object.assign(process.env, entry.env);
  try {
    const m = await mergedFor(entry);
    for (const note of m.notes) console.info(`${entry.dir}: ${note}`);
    const before = await dockerCompose(m.project, ["config", "--format", "json"], entry.env);
    expect(before.code, before.stderr).toBe(0);
    const withOverride = { ...m.project, files: [...m.project.files, m.override] };
    const after = await dockerCompose(withOverride, ["config", "--format", "json"], entry.env);
    expect(after.code, `${after.stderr}\n${readFileSync(m.override, "utf8")}`).toBe(0);
    const [b, a] = [JSON.parse(before.stdout) as Config, JSON.parse(after.stdout) as Config];
    expect(Object.keys(a.services).sort()).toEqual(Object.keys(b.services).sort());
    expect(lostPaths(b, a, nexusOwns(m, b)), "keys the files had, lost or changed").toEqual([]);
    checkPorts(m, b, a);
    checkLabelsAndNames(m, a);
    // Nexus's --project-directory resolves relative paths (and .env) as plain `docker compose -f` does.
    const plain = await dockerComposePlain(m.project, entry.env);
    expect(plain.code, plain.stderr).toBe(0);
    expect(
      lostPaths(JSON.parse(plain.stdout), b, () => false),
      "paths as Compose alone resolves them",
    ).toEqual([]);
  } finally {
    for (const key of Object.keys(entry.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

import { createHash } from "node:crypto";
import { join } from "node:path";
import type { DevLanguage } from "../../core/dev-language.js";
import { builtinTemplatesDir } from "../../core/paths.js";
import type { ComposeModel, ServiceModel } from "../engine/compose-model.js";
import { databaseClients, databaseVariables } from "./database-env.js";
import { type BuiltImage, contentImage } from "./images.js";
import { hashDirectory } from "./template-files.js";
import type { Environment } from "./types.js";

/** The service Nexus adds to a compose file that has none to work in. */
export const OWN_DEV_SERVICE = "nexus-dev";

/**
 * Nexus's dev image build: templates/_dev with the language and version as build arguments, and the
 * Debian packages of the file's database clients (psql, mysql, redis-cli) when it has databases.
 */
function devImageBuild(
  language: DevLanguage,
  clients: string[] = [],
): { context: string; args: Record<string, string> } {
  const args = { LANGUAGE: language.language, VERSION: language.version };
  return {
    context: join(builtinTemplatesDir(), "_dev"),
    args: clients.length ? { ...args, CLIENTS: clients.join(" ") } : args,
  };
}

/**
 * One tag per image content (the Dockerfile and script, the language, version and clients): every
 * workspace of every repository asking for Node 22 uses the one image, built once. Tag and labels are
 * those of every image Nexus builds (images.ts), so `prune` removes it when no workspace uses it.
 */
export function devImage(language: DevLanguage, clients: string[] = []): BuiltImage {
  const build = devImageBuild(language, clients);
  const digest = createHash("sha256")
    .update(hashDirectory(build.context))
    .update(JSON.stringify(build.args))
    .digest("hex")
    .slice(0, 16);
  return contentImage(digest);
}

/**
 * The project's model with Nexus's own dev service added (on every network the file's services use,
 * so they resolve by name), and the environment with each database service's connection variables.
 * Unchanged when the environment has a dev service of its own.
 */
export function withOwnDevService(
  model: ComposeModel,
  env: Environment,
): { model: ComposeModel; env: Environment } {
  const language = env.ownDev;
  if (!language || env.devService !== OWN_DEV_SERVICE) return { model, env };
  const networks = new Set<string>();
  for (const service of Object.values(model.services))
    for (const name of Object.keys((service.networks ?? {}) as object)) networks.add(name);
  const clients = databaseClients(model);
  const image = devImage(language, clients);
  const dev: ServiceModel = {
    image: image.tag,
    pull_policy: "never",
    // Labelled as every image Nexus builds (ServiceModel reads no labels).
    build: { ...devImageBuild(language, clients), labels: image.labels } as ServiceModel["build"],
    // A dev container is a place to work: it stays up (init reaps processes and stops it at once).
    command: ["sleep", "infinity"],
    init: true,
    working_dir: env.workspaceFolder,
    ...(networks.size ? { networks: Object.fromEntries([...networks].map((n) => [n, null])) } : {}),
  };
  const services = { ...model.services, [OWN_DEV_SERVICE]: dev };
  const containerEnv = { ...databaseVariables(model), ...env.containerEnv };
  return { model: { ...model, services }, env: { ...env, containerEnv } };
}

/**
 * The override entry of Nexus's own dev service: its whole definition (the project's files have none)
 * under what the override adds to every dev service; the proxy joins its build arguments.
 */
export function ownDevEntry(service: ServiceModel, own: Record<string, unknown>): Record<string, unknown> {
  const { ports: _ports, ...definition } = service;
  const build = own.build as { args?: Record<string, string> } | undefined;
  return {
    ...definition,
    ...own,
    build: { ...definition.build, ...build, args: { ...definition.build?.args, ...build?.args } },
  };
}

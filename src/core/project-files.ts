/**
 * Where a repository keeps its own environment, in the order Nexus looks. A module of its own, so
 * `create` and `up` read these names without loading the config schema (zod) that init needs.
 */
export const DEVCONTAINER_FILES = [".devcontainer/devcontainer.json", ".devcontainer.json"];
export const COMPOSE_FILES = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"];

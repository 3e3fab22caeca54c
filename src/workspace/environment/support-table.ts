/**
 * What a workspace's environment can come from, and which devcontainer.json keys Nexus supports:
 * the data the template reference in docs/templates.md is generated from (scripts/docs-templates.mjs).
 * Change support here and run `npm run docs:generate`; `npm test` fails while the page is stale.
 */
export interface SourceRow {
  source: string;
  /** What `default_template` (or `--template`) says to choose it. */
  choose: string;
  runs: string;
}

export const ENVIRONMENT_SOURCES: SourceRow[] = [
  {
    source: "built-in template",
    choose: "`node-postgres`, `go-postgres`, `python-postgres`",
    runs: "`templates/NAME/compose.yaml` (an ordinary compose file)",
  },
  {
    source: "project template",
    choose: "a folder name in `.nexus/templates/`",
    runs: "`.nexus/templates/NAME/compose.yaml`, paths relative to the repository root",
  },
  {
    source: "devcontainer.json",
    choose: "`devcontainer`",
    runs: "see [devcontainer.json](#devcontainerjson)",
  },
  {
    source: "your compose file",
    choose: "`compose`",
    runs: "`compose.files` from config (default: the file `nexus init` finds, plus the override Compose reads next to it), run from the first file's folder",
  },
  { source: "nothing", choose: "`none`", runs: "a worktree without containers" },
];

type Support = "supported" | "ignored";

export interface DevcontainerKey {
  keys: string;
  support: Support;
  how: string;
}

export const DEVCONTAINER_KEYS: DevcontainerKey[] = [
  { keys: "`image`", support: "supported", how: "the image as it is, or built with its features" },
  {
    keys: "`build.dockerfile`, `build.context`, `build.args`, `build.target` (and the old `dockerFile`)",
    support: "supported",
    how: "built by the devcontainers CLI, tagged `nexus/devcontainer-<hash>`",
  },
  {
    keys: "`dockerComposeFile` (string or list) + `service` + `runServices`",
    support: "supported",
    how: "the project's compose files, the named dev service, only `runServices` started",
  },
  {
    keys: "`workspaceFolder`",
    support: "supported",
    how: "where the worktree is mounted (default `/workspaces/<worktree folder>`; required for compose configs)",
  },
  {
    keys: "`forwardPorts`",
    support: "supported",
    how: "numbers (and `service:port` for the dev service): leased on 127.0.0.1",
  },
  {
    keys: "`containerEnv` / `remoteEnv`",
    support: "supported",
    how: "the container's environment / the environment of commands run in it",
  },
  {
    keys: "`onCreateCommand`, `updateContentCommand`, `postCreateCommand`, `postStartCommand`, `postAttachCommand`",
    support: "supported",
    how: "string (shell), array (argv) and object (named commands, run in key order) forms",
  },
  {
    keys: "`remoteUser`, `containerUser`, `updateRemoteUserUID`",
    support: "supported",
    how: "the host's uid/gid is mapped onto `remoteUser` (default on)",
  },
  {
    keys: "`features`",
    support: "supported",
    how: 'local features (`"./my-feature"`) and registry features (need the registry; unreachable → a clear error naming the feature)',
  },
  {
    keys: "`overrideCommand`",
    support: "supported",
    how: "default true for image/Dockerfile, false for compose, as the specification says",
  },
  {
    keys: "`initializeCommand`, `workspaceMount`, `appPort`, `shutdownAction`, most `runArgs`",
    support: "ignored",
    how: "said on the terminal when a workspace is created",
  },
];

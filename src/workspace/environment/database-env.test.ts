import { describe, expect, it } from "vitest";
import type { ComposeModel } from "../engine/compose-model.js";
import { databaseClients, databaseVariables } from "./database-env.js";
import { buildOverride } from "./override.js";
import { devImage, OWN_DEV_SERVICE, ownDevEntry, withOwnDevService } from "./own-dev.js";
import type { Environment } from "./types.js";

const model = (services: ComposeModel["services"]): ComposeModel => ({ name: "p", services });

describe("database connection variables", () => {
  it("PostgreSQL: the service's own credentials, its name as host, the container port", () => {
    const vars = databaseVariables(
      model({
        pg: {
          image: "postgis/postgis:16",
          environment: { POSTGRES_USER: "u", POSTGRES_PASSWORD: "p@ss", POSTGRES_DB: "d" },
          ports: [{ target: 5432, published: "15432" }],
        },
      }),
    );
    expect(vars).toEqual({
      DATABASE_URL: "postgresql://u:p%40ss@pg:5432/d",
      PGHOST: "pg",
      PGPORT: "5432",
      PGUSER: "u",
      PGPASSWORD: "p@ss",
      PGDATABASE: "d",
    });
  });

  it("PostgreSQL by its variables (a local build) and the image's defaults", () => {
    const vars = databaseVariables(
      model({ db: { build: { context: "/x/db" }, environment: { POSTGRES_PASSWORD: "s" } } }),
    );
    expect(vars).toMatchObject({ PGHOST: "db", PGUSER: "postgres", PGDATABASE: "postgres", PGPASSWORD: "s" });
    expect(databaseVariables(model({ postgres: { image: "postgres:16" } })).PGPASSWORD).toBe("postgres");
  });

  it("an application's own POSTGRES_* variables do not make it the database", () => {
    const vars = databaseVariables(
      model({
        api: { build: { context: "/x/api" }, environment: { POSTGRES_PASSWORD: "client" } },
        database: {
          image: "timescale/timescaledb:latest-pg16",
          environment: { POSTGRES_PASSWORD: "server" },
        },
      }),
    );
    expect(vars).toMatchObject({ PGHOST: "database", PGPASSWORD: "server" });
  });

  it("MySQL, Redis and MongoDB; DATABASE_URL names PostgreSQL when there are both", () => {
    const services = {
      mysql: { image: "mysql:8", environment: { MYSQL_ROOT_PASSWORD: "root", MYSQL_DATABASE: "app" } },
      cache: { image: "valkey/valkey:8" },
      mongo: {
        image: "mongo:7",
        environment: { MONGO_INITDB_ROOT_USERNAME: "m", MONGO_INITDB_ROOT_PASSWORD: "pw" },
      },
    };
    expect(databaseVariables(model(services))).toEqual({
      DATABASE_URL: "mysql://root:root@mysql:3306/app",
      MYSQL_HOST: "mysql",
      MYSQL_PORT: "3306",
      MYSQL_USER: "root",
      MYSQL_PASSWORD: "root",
      MYSQL_DATABASE: "app",
      REDIS_URL: "redis://cache:6379",
      REDIS_HOST: "cache",
      REDIS_PORT: "6379",
      MONGO_URL: "mongodb://m:pw@mongo:27017/?authSource=admin",
    });
    const both = databaseVariables(model({ ...services, pg: { image: "postgres" } }));
    expect(both.DATABASE_URL).toBe("postgresql://postgres:postgres@pg:5432/postgres");
    expect(both.MYSQL_HOST).toBe("mysql");
  });

  it("MariaDB with its own user", () => {
    const vars = databaseVariables(
      model({
        maria: {
          image: "mariadb:11",
          environment: { MARIADB_USER: "u", MARIADB_PASSWORD: "p", MARIADB_DATABASE: "d" },
        },
      }),
    );
    expect(vars).toMatchObject({ DATABASE_URL: "mysql://u:p@maria:3306/d", MYSQL_USER: "u" });
  });

  it("nothing for a file without databases", () => {
    expect(databaseVariables(model({ web: { image: "nginx" } }))).toEqual({});
    expect(databaseClients(model({ web: { image: "nginx" } }))).toEqual([]);
  });

  it("names the Debian client packages for the file's databases", () => {
    const services = {
      c: { image: "redis" },
      p: { image: "postgres" },
      m: { image: "mongo" },
      q: { image: "mariadb" },
    };
    expect(databaseClients(model(services))).toEqual([
      "default-mysql-client",
      "postgresql-client",
      "redis-tools",
    ]);
  });
});

const env = {
  name: "compose",
  kind: "compose",
  devService: OWN_DEV_SERVICE,
  ownDev: { language: "node", version: "22", label: "Node 22" },
  workspaceFolder: "/workspace",
  containerEnv: {},
  files: [],
} as unknown as Environment;

/** What the file below needs: PostgreSQL's and Redis's clients. */
const CLIENTS = ["postgresql-client", "redis-tools"];

describe("Nexus's own dev service", () => {
  const services = {
    db: { image: "postgres:16", environment: { POSTGRES_PASSWORD: "pw" }, networks: { default: null } },
    cache: { image: "redis", networks: { back: null } },
  };

  it("joins every network the file's services use and gets their connection variables", () => {
    const added = withOwnDevService(model(services), env);
    const dev = added.model.services[OWN_DEV_SERVICE]!;
    expect(dev).toMatchObject({
      image: devImage(env.ownDev!, CLIENTS).tag,
      build: { args: { LANGUAGE: "node", VERSION: "22" } },
      networks: { default: null, back: null },
      command: ["sleep", "infinity"],
      init: true,
    });
    expect(dev.build?.context).toMatch(/templates\/_dev$/);
    expect(dev.build?.args).toEqual({
      LANGUAGE: "node",
      VERSION: "22",
      CLIENTS: "postgresql-client redis-tools",
    });
    expect(added.env.containerEnv).toMatchObject({ PGHOST: "db", PGPASSWORD: "pw", REDIS_HOST: "cache" });
  });

  it("shares one image tag per language and version", () => {
    expect(devImage({ language: "node", version: "22", label: "" }).tag).toBe(devImage(env.ownDev!).tag);
    expect(devImage({ language: "node", version: "24", label: "" }).tag).not.toBe(devImage(env.ownDev!).tag);
    expect(devImage(env.ownDev!, CLIENTS).tag).not.toBe(devImage(env.ownDev!).tag);
    expect(devImage(env.ownDev!)).toMatchObject({
      tag: expect.stringMatching(/^nexus\/build:[0-9a-f]{16}$/),
    });
  });

  it("leaves an environment with its own dev service alone", () => {
    const own = { ...env, devService: "app", ownDev: undefined };
    const same = model(services);
    expect(withOwnDevService(same, own).model).toBe(same);
  });

  it("is written whole into the override, with the proxy among its build arguments", () => {
    const added = withOwnDevService(model(services), env);
    const entry = ownDevEntry(added.model.services[OWN_DEV_SERVICE]!, {
      labels: { a: "b" },
      build: { args: { HTTPS_PROXY: "http://proxy:3128" } },
      environment: { X: "1" },
    });
    expect(entry).toMatchObject({
      labels: { a: "b" },
      environment: { X: "1" },
      pull_policy: "never",
      build: { args: { LANGUAGE: "node", VERSION: "22", HTTPS_PROXY: "http://proxy:3128" } },
    });
    const override = buildOverride(
      {
        ref: { repoId: "r1", workspace: "w1" },
        env: added.env,
        model: added.model,
        ports: [{ service: OWN_DEV_SERVICE, name: "ssh", containerPort: 22, hostPort: 41022 }],
        mounts: { worktree: "/w", gitCommonDir: "/g", gitWritable: [], runtimeScript: "/init.sh" },
        host: { uid: 1000, gid: 1000, user: "u", proxy: {} },
        images: {},
        extraEnv: {},
      } as never,
      [...Object.keys(added.model.services)],
    ) as { services: Record<string, Record<string, unknown>> };
    const dev = override.services[OWN_DEV_SERVICE]!;
    expect(dev).toMatchObject({
      image: devImage(env.ownDev!, CLIENTS).tag,
      init: true,
      networks: { back: null },
    });
    expect(dev.environment).toMatchObject({ PGHOST: "db", NEXUS_WORKSPACE: "w1" });
    expect(override.services.db).not.toHaveProperty("build");
  });
});

import type { ComposeModel, ServiceModel } from "../engine/compose-model.js";

type Kind = "postgres" | "mysql" | "redis" | "mongo";

/** What a service is, from its image (or build context) name and the variables its image reads. */
const KINDS: { kind: Kind; name: RegExp; env: RegExp }[] = [
  { kind: "postgres", name: /postgres|postgis|timescale/i, env: /^POSTGRES_/ },
  { kind: "mysql", name: /mysql|mariadb|percona/i, env: /^(MYSQL|MARIADB)_/ },
  { kind: "redis", name: /redis|valkey|keydb|dragonfly/i, env: /^(REDIS|VALKEY)_/ },
  { kind: "mongo", name: /mongo/i, env: /^MONGO_INITDB_/ },
];

/** Debian's client package for each kind: `psql`, `mysql`, `redis-cli` in the dev container. */
const CLIENTS: Partial<Record<Kind, string>> = {
  postgres: "postgresql-client",
  mysql: "default-mysql-client",
  redis: "redis-tools",
};

/** The client packages the dev image gets for the file's databases, in a stable order. */
export function databaseClients(model: ComposeModel): string[] {
  const kinds = databaseServices(model).keys();
  return [...kinds].flatMap((kind) => CLIENTS[kind] ?? []).sort();
}

/**
 * Connection variables for each database service of the file, as a client in the dev container
 * reaches it: the service's name as host, its container port, and the credentials its own environment
 * gives its image (the images' defaults otherwise). The first service of each kind wins.
 */
export function databaseVariables(model: ComposeModel): Record<string, string> {
  const found = databaseServices(model);
  const vars: Record<string, string> = {};
  const mongo = found.get("mongo");
  if (mongo) Object.assign(vars, mongoVariables(...mongo));
  const redis = found.get("redis");
  if (redis) Object.assign(vars, redisVariables(...redis));
  const mysql = found.get("mysql");
  if (mysql) Object.assign(vars, mysqlVariables(...mysql));
  const postgres = found.get("postgres");
  // DATABASE_URL names PostgreSQL when the file has both.
  if (postgres) Object.assign(vars, postgresVariables(...postgres));
  return vars;
}

/** The first service of each kind: its name and environment. */
function databaseServices(model: ComposeModel): Map<Kind, [string, Record<string, string>]> {
  const found = new Map<Kind, [string, Record<string, string>]>();
  // By image name first: an application's own POSTGRES_PASSWORD makes it a client, not a server.
  for (const byEnv of [false, true]) {
    for (const [name, service] of Object.entries(model.services)) {
      const env = environmentOf(service);
      const kind = kindOf(service, env, byEnv);
      if (kind && !found.has(kind)) found.set(kind, [name, env]);
    }
  }
  return found;
}

function environmentOf(service: ServiceModel): Record<string, string> {
  const env = (service.environment ?? {}) as Record<string, string | null>;
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => typeof e[1] === "string"),
  );
}

function kindOf(service: ServiceModel, env: Record<string, string>, byEnv: boolean): Kind | undefined {
  const name = `${service.image ?? ""} ${service.build?.context ?? ""}`;
  if (!byEnv) return KINDS.find((k) => k.name.test(name))?.kind;
  return KINDS.find((k) => Object.keys(env).some((key) => k.env.test(key)))?.kind;
}

const enc = encodeURIComponent;

function postgresVariables(host: string, env: Record<string, string>): Record<string, string> {
  const user = env.POSTGRES_USER || "postgres";
  const password = env.POSTGRES_PASSWORD ?? "postgres";
  const database = env.POSTGRES_DB || user;
  const port = env.PGPORT || "5432";
  return {
    DATABASE_URL: `postgresql://${enc(user)}:${enc(password)}@${host}:${port}/${enc(database)}`,
    PGHOST: host,
    PGPORT: port,
    PGUSER: user,
    PGPASSWORD: password,
    PGDATABASE: database,
  };
}

function mysqlVariables(host: string, env: Record<string, string>): Record<string, string> {
  const pick = (key: string) => env[`MYSQL_${key}`] ?? env[`MARIADB_${key}`];
  const user = pick("USER") || "root";
  const password = (pick("USER") ? pick("PASSWORD") : pick("ROOT_PASSWORD")) ?? "";
  const database = pick("DATABASE") ?? "";
  const port = env.MYSQL_TCP_PORT || "3306";
  const auth = password ? `${enc(user)}:${enc(password)}` : enc(user);
  return {
    DATABASE_URL: `mysql://${auth}@${host}:${port}/${enc(database)}`,
    MYSQL_HOST: host,
    MYSQL_PORT: port,
    MYSQL_USER: user,
    MYSQL_PASSWORD: password,
    MYSQL_DATABASE: database,
  };
}

function redisVariables(host: string, env: Record<string, string>): Record<string, string> {
  const password = env.REDIS_PASSWORD;
  const auth = password ? `:${enc(password)}@` : "";
  return { REDIS_URL: `redis://${auth}${host}:6379`, REDIS_HOST: host, REDIS_PORT: "6379" };
}

function mongoVariables(host: string, env: Record<string, string>): Record<string, string> {
  const user = env.MONGO_INITDB_ROOT_USERNAME;
  const password = env.MONGO_INITDB_ROOT_PASSWORD ?? "";
  const auth = user ? `${enc(user)}:${enc(password)}@` : "";
  const database = env.MONGO_INITDB_DATABASE ?? "";
  const query = user ? "?authSource=admin" : "";
  return { MONGO_URL: `mongodb://${auth}${host}:27017/${enc(database)}${query}` };
}

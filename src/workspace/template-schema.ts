import { z } from "zod";

const duration = z
  .string()
  .regex(/^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/, "must be a duration like 500ms, 5s or 1m30s");
const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const stringList = z.union([z.string().transform((s) => [s]), z.array(z.string())]);

const portSchema = z.union([
  z.number().int().min(1).max(65535),
  z
    .string()
    .regex(/^\d{1,5}(\/(tcp|udp))?$/, 'must be a container port like "3000" (Nexus chooses the host port)'),
  z
    .object({
      target: z.number().int().min(1).max(65535),
      name: z
        .string()
        .regex(/^[a-z][a-z0-9_-]*$/)
        .optional(),
      protocol: z.enum(["tcp", "udp"]).optional(),
    })
    .strict(),
]);

const buildSchema = z.union([
  z.string().transform((context) => ({ context, dockerfile: undefined, args: {} as Record<string, string> })),
  z
    .object({
      context: z.string().default("."),
      dockerfile: z.string().optional(),
      args: z.record(z.string(), scalar).default({}),
    })
    .strict(),
]);

const environmentSchema = z
  .union([
    z.record(z.string(), scalar.nullable()),
    z
      .array(z.string().regex(/^[^=]+=/, "must be KEY=VALUE"))
      .transform((items) =>
        Object.fromEntries(
          items.map((item) => [item.slice(0, item.indexOf("=")), item.slice(item.indexOf("=") + 1)]),
        ),
      ),
  ])
  .transform((env) => Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v ?? ""])));

const dependsOnSchema = z.union([
  z
    .array(z.string())
    .transform((names) =>
      Object.fromEntries(names.map((n) => [n, { condition: "service_started" as const }])),
    ),
  z.record(
    z.string(),
    z
      .object({
        condition: z
          .enum(["service_started", "service_healthy", "service_completed_successfully"])
          .default("service_started"),
      })
      .strict(),
  ),
]);

const healthcheckSchema = z
  .object({
    test: z.union([z.string().transform((s) => ["CMD-SHELL", s]), z.array(z.string()).min(1)]),
    interval: duration.optional(),
    timeout: duration.optional(),
    retries: z.number().int().min(0).optional(),
    start_period: duration.optional(),
    disable: z.boolean().optional(),
  })
  .strict();

export const serviceSchema = z
  .object({
    image: z.string().optional(),
    build: buildSchema.optional(),
    command: z.union([z.string(), z.array(z.string())]).optional(),
    entrypoint: z.union([z.string(), z.array(z.string())]).optional(),
    environment: environmentSchema.default({}),
    ports: z.array(portSchema).default([]),
    volumes: z.array(z.string()).default([]),
    depends_on: dependsOnSchema.default({}),
    healthcheck: healthcheckSchema.optional(),
    working_dir: z.string().optional(),
    user: z.string().optional(),
    // Accepted so Compose files work unchanged, but ignored: names are always per workspace.
    container_name: z.string().optional(),
    hostname: z.string().optional(),
  })
  .strict()
  .refine((s) => s.image || s.build, { message: "needs `image` or `build`" });

export const nexusBlockSchema = z
  .object({
    description: z.string().default(""),
    extends: z.string().optional(),
    dev_service: z.string().optional(),
    ssh: z.boolean().default(true),
    post_create: stringList.default([]),
    post_start: stringList.default([]),
    host_env: z.record(z.string(), scalar).default({}),
  })
  .strict();

export const composeSchema = z
  .object({
    name: z.string().optional(),
    version: z.string().optional(),
    services: z.record(
      z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "service names: lowercase, digits, - and _"),
      serviceSchema,
    ),
    volumes: z.record(z.string(), z.object({}).passthrough().nullable()).default({}),
    "x-nexus": nexusBlockSchema.default(nexusBlockSchema.parse({})),
  })
  .strict();

export type ComposeFile = z.output<typeof composeSchema>;
export type ServiceSpec = z.output<typeof serviceSchema>;
export { stringList };

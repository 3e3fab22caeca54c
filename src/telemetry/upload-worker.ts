// The background upload `sync auto on` starts: one short attempt, results kept in the settings.
import { ExitCode } from "../core/errors.js";
import { openTelemetry } from "./store.js";
import { syncNow } from "./sync.js";

const version = process.argv[2] ?? "0";
// Whatever the endpoint does, this process is gone within 30 s.
setTimeout(() => process.exit(ExitCode.ok), 30_000).unref();
const db = await openTelemetry();
try {
  await syncNow(db, version, { timeoutMs: 5_000, maxWaitMs: 10_000 });
} catch {
  // syncNow kept the error in the settings (`nexus sync status` shows it).
} finally {
  db.close();
}

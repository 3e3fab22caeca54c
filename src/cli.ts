#!/usr/bin/env node
import { ExitCode } from "./core/errors.js";
import { main } from "./program.js";

// `nexus task list | head` closes the pipe early: that is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(ExitCode.ok);
  throw error;
});

main().then((code) => {
  process.exitCode = code;
});

#!/usr/bin/env node
import { main } from "./program.js";

// `nexus task list | head` closes the pipe early: that is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

main().then((code) => {
  process.exitCode = code;
});

import type { Command } from "commander";
export function registerDogfood(_program: Command): void {}

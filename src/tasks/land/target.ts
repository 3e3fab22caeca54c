import { existsSync, lstatSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeAtomic } from "../../core/atomic.js";
import { NexusError } from "../../core/errors.js";
import { git, gitFailure, gitOk, gitRaw } from "../../core/git.js";
import type { TaskContext } from "../context.js";
import type { TaskEvent } from "../model.js";

/** `land.target` in .nexus/config.yaml, else the branch the main checkout has checked out. */
export async function landTarget(tc: TaskContext): Promise<string> {
  const configured = tc.config.land.target;
  if (configured) {
    if (await gitOk(["rev-parse", "--verify", "-q", `refs/heads/${configured}`], tc.paths.root))
      return configured;
    throw new NexusError(`The landing target ${configured} (land.target) is not a branch here.`, {
      category: "validation",
      hint: "Fix `land.target` in .nexus/config.yaml, or remove it to land on the checked-out branch.",
    });
  }
  const ref = await gitRaw(["symbolic-ref", "-q", "--short", "HEAD"], tc.paths.root);
  const target = ref.stdout.trim();
  if (ref.exitCode === 0 && target) return target;
  throw new NexusError(
    "The main checkout has no branch checked out (detached HEAD); there is no target to land on.",
    {
      category: "validation",
      hint: "Check out the branch work should land on (e.g. `git switch main`) and retry.",
    },
  );
}

export async function targetCommit(root: string, target: string): Promise<string> {
  return git(["rev-parse", "--verify", `refs/heads/${target}^{commit}`], root);
}

/** The checkout (main or linked) that has the target checked out, if any: its files follow the target. */
export async function checkoutOf(root: string, target: string): Promise<string | undefined> {
  const list = await git(["worktree", "list", "--porcelain"], root);
  const block = list.split("\n\n").find((b) => b.split("\n").includes(`branch refs/heads/${target}`));
  return block?.split("\n")[0]?.replace(/^worktree /, "");
}

/** Nexus's own files change on every command; they are carried through a landing, never the user's work. */
const OWN = [":(exclude).nexus/tasks.jsonl", ":(exclude).nexus/allowed_signers"];

/** Refuses when the checkout of the target has the user's uncommitted changes (staged or not). */
export async function refuseDirtyCheckout(checkout: string, target: string): Promise<void> {
  const status = await git(["status", "--porcelain", "--untracked-files=no", "--", ".", ...OWN], checkout);
  if (!status) return;
  const files = status
    .split("\n")
    .map((l) => l.slice(3))
    .slice(0, 5);
  throw new NexusError(
    `${target} is checked out in ${checkout} with uncommitted changes (${files.join(", ")}); landing would move it under them.`,
    {
      category: "conflict",
      hint: `Commit or stash them there (\`git -C ${checkout} stash\`), then run \`nexus land\` again; nothing was changed.`,
    },
  );
}

/** What a landing is about to do, written before the target moves: a kill part-way is finished next time. */
interface Journal {
  target: string;
  old: string;
  next: string;
  checkout?: string;
  task: string;
  event: TaskEvent;
}

export const journalFile = (tc: TaskContext) => join(tc.paths.gitCommonDir, "nexus-land.json");

/**
 * Moves the target from `old` to `next` in one compare-and-swap (`git update-ref NEW OLD`: never
 * forced; false, changing nothing, if anyone moved it meanwhile), then brings its checkout's index and files along
 * (`git read-tree -m -u`: a two-tree fast-forward that keeps Nexus's own changed files and refuses
 * to overwrite anything). The read-tree is tried first (--dry-run), so a checkout that would refuse
 * stops the landing before the target moves.
 */
export async function moveTarget(tc: TaskContext, move: Omit<Journal, "checkout">): Promise<boolean> {
  const { target, old, next } = move;
  // Looked up now, not when the landing began: the user may have switched branches while checks ran.
  const checkout = await checkoutOf(tc.paths.root, target);
  const journal: Journal = { ...move, checkout };
  if (checkout) {
    await refuseDirtyCheckout(checkout, target);
    const trial = await gitRaw(["read-tree", "-m", "-u", "-n", old, next], checkout);
    if (trial.exitCode !== 0) throw blockedCheckout(checkout, target, trial.stderr);
    const ignored = await ignoredInTheWay(checkout, old, next);
    if (ignored.length)
      throw blockedCheckout(checkout, target, `ignored files would be overwritten: ${ignored.join(", ")}`);
  }
  writeAtomic(journalFile(tc), JSON.stringify(journal));
  const moved = await gitRaw(
    ["update-ref", "-m", `nexus land ${journal.task}`, `refs/heads/${target}`, next, old],
    tc.paths.root,
  );
  // A failed update-ref is judged by where the ref is: git stopped by Ctrl-C may have moved it.
  if (moved.exitCode !== 0 && (await refAt(tc.paths.root, target)) !== next) {
    // Not moved (someone else moved it, or the move was stopped): nothing changed.
    rmSync(journalFile(tc), { force: true });
    if (moved.stderr.startsWith("git was stopped by ")) throw gitFailure(["update-ref"], moved);
    return false;
  }
  if (checkout) await git(["read-tree", "-m", "-u", old, next], checkout);
  return true;
}

async function refAt(root: string, branch: string): Promise<string> {
  return (await gitRaw(["rev-parse", "-q", "--verify", `refs/heads/${branch}`], root)).stdout.trim();
}

/**
 * Paths the landing adds where the checkout has an untracked file (or a file where it needs a
 * directory). read-tree refuses to overwrite untracked files but treats ignored ones (a `.env`, local
 * settings) as expendable: a branch that starts tracking one would replace the user's copy.
 */
async function ignoredInTheWay(checkout: string, old: string, next: string): Promise<string[]> {
  const added = await git(
    ["diff", "--name-only", "-z", "--no-renames", "--diff-filter=A", old, next],
    checkout,
  );
  const occupied = (path: string, last: boolean) => {
    const stat = lstatSync(join(checkout, path), { throwIfNoEntry: false });
    return stat !== undefined && (last || !stat.isDirectory());
  };
  return added
    .split("\0")
    .filter(Boolean)
    .filter((path) => {
      const parts = path.split("/");
      return parts.some((_, i) => occupied(parts.slice(0, i + 1).join("/"), i === parts.length - 1));
    })
    .slice(0, 5);
}

/** The landing is complete (its record written): nothing is left to finish. */
export function closeJournal(tc: TaskContext): void {
  rmSync(journalFile(tc), { force: true });
}

/**
 * Finishes a landing a kill interrupted after the target moved: the checkout's files are brought
 * along and the landing's record is returned to be written. Before the move, nothing was changed.
 */
export async function openJournal(tc: TaskContext): Promise<Journal | undefined> {
  const file = journalFile(tc);
  if (!existsSync(file)) return undefined;
  let journal: Journal;
  try {
    journal = JSON.parse(readFileSync(file, "utf8")) as Journal;
  } catch {
    rmSync(file, { force: true });
    return undefined;
  }
  if ((await refAt(tc.paths.root, journal.target)) !== journal.next) {
    rmSync(file, { force: true });
    return undefined;
  }
  const { checkout, old, next } = journal;
  // The index still at the old commit: the kill came between the move and the files, or while
  // read-tree wrote them (some files new, the index not): --reset lets those be written again.
  if (checkout && (await gitOk(["diff-index", "--cached", "--quiet", old, "--", ".", ...OWN], checkout)))
    if (!(await gitOk(["read-tree", "-m", "-u", old, next], checkout)))
      await git(["read-tree", "--reset", "-u", old, next], checkout);
  return journal;
}

function blockedCheckout(checkout: string, target: string, stderr: string): NexusError {
  const why = stderr.split("\n").find((l) => l.trim()) ?? "git read-tree refused";
  return new NexusError(
    `${target} is checked out in ${checkout}, and its files cannot follow the landing: ${why.replace(/^(error|fatal): /, "")}`,
    {
      category: "conflict",
      hint: "Move or commit the files git names there, then run `nexus land` again; nothing was changed.",
    },
  );
}

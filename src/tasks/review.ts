import { UsageError } from "../core/errors.js";
import type { TaskContext } from "./context.js";
import { allowSigner, evidencePayload, loadSigner, type Signer, signPayload } from "./evidence.js";
import { newEventId } from "./ids.js";
import type { Task, TaskEvent } from "./model.js";
import { approveTask } from "./operations.js";

/**
 * An approval, signed like a gate run, so a hand-written one does not make a task done. Where the
 * reviewer has a signing key of their own (git's gpg.format ssh + user.signingkey), the key says who
 * they are: `--by` may be left out, and a different name is refused. With only Nexus's own key of
 * this machine, the reviewer is the name given, which is a label, not an identity (docs/threat-model.md).
 */
export async function approveSigned(
  tc: TaskContext,
  id: string,
  by?: string,
  options: { agent?: boolean } = {},
): Promise<Task> {
  const signer = await loadSigner(tc.paths.root);
  // A review agent Nexus runs is named for what it is; the key records whose machine ran it.
  const reviewer = options.agent && by ? by : reviewerName(signer, by);
  const event: TaskEvent = {
    id: newEventId(),
    at: tc.now().toISOString(),
    by: reviewer,
    type: "approved",
    from: "awaiting_review",
    to: "done",
    signer: signer.principal,
  };
  const signature = await signPayload(signer, evidencePayload(id, event));
  if (allowSigner(tc.paths, signer)) tc.store.refreshTrust();
  return approveTask(tc, id, reviewer, { ...event, signature });
}

function reviewerName(signer: Signer, by: string | undefined): string {
  if (signer.own) {
    if (by) return by;
    throw new UsageError(
      "Who reviews it? Pass --by NAME.",
      "With a signing key of your own (git config gpg.format ssh, user.signingkey), your key names you instead.",
    );
  }
  if (!by || by === signer.principal) return signer.principal;
  throw new UsageError(
    `Your signing key says you are ${signer.principal}, not ${by}.`,
    "Leave out --by: a reviewer with a signing key is who the key says.",
  );
}

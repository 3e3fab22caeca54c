/**
 * Reads an image build's output as Compose writes it, line by line: BuildKit's plain progress
 * (`#5 [dev 3/5] RUN …`, `#5 0.42 output`, `#5 ERROR: …`) and the classic builder's (`Step 3/5 : RUN …`,
 * `The command '…' returned a non-zero code: 3`). It knows each step's service, command and own
 * output, so a failure can name the step once and show what the step printed.
 */

/** One build step: `[3/5] RUN apt-get install …` of service `dev`. */
export interface BuildStep {
  service?: string;
  /** `3/5`, or `internal` for BuildKit's own work (loading the Dockerfile, the context). */
  position: string;
  command: string;
  output: string[];
  error?: string;
}

const HEADER = /^#(\d+) \[(?:(\S+) )?([^\]\s]+)\] (.*)$/;
const OUTPUT = /^#(\d+) \d+\.\d+ ?(.*)$/;
const ERROR = /^#(\d+) ERROR:? (.*)$/;
const CLASSIC_STEP = /^Step (\d+\/\d+) : (.*)$/;
const CLASSIC_FAILED = /^The command .* returned a non-zero code: (\d+)$|^executor failed running/;
const CLASSIC_NOISE = /^ ---> |^Removing intermediate container|^Sending build context/;
// Colour and cursor sequences (the classic builder colours stderr red): dropped, never shown.
const CSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, "g");
const KEPT_OUTPUT = 200;

export class BuildLog {
  private readonly steps = new Map<string, BuildStep>();
  private classic?: BuildStep;
  private classicCount = 0;
  failed?: BuildStep;

  /** Takes one line of Compose's stderr; returns the step it begins, if it begins one. */
  feed(raw: string): BuildStep | undefined {
    const line = raw.replace(CSI, "").trimEnd();
    const header = HEADER.exec(line);
    if (header) {
      const [, id, service, position, command] = header as unknown as string[];
      if (this.steps.has(id!)) return undefined; // BuildKit repeats a header when a step resumes
      const step: BuildStep = { service, position: position!, command: command!, output: [] };
      this.steps.set(id!, step);
      return step;
    }
    const output = OUTPUT.exec(line);
    if (output) return void this.note(this.steps.get(output[1]!), output[2]!);
    const error = ERROR.exec(line);
    if (error) {
      const step = this.steps.get(error[1]!);
      if (step) this.fail(step, error[2]!);
      return undefined;
    }
    return this.feedClassic(line);
  }

  private feedClassic(line: string): BuildStep | undefined {
    const step = CLASSIC_STEP.exec(line);
    if (step) {
      this.classic = { position: step[1]!, command: step[2]!, output: [] };
      this.steps.set(`classic-${++this.classicCount}`, this.classic);
      return this.classic;
    }
    if (!this.classic || this.classic.error) return undefined;
    if (CLASSIC_FAILED.test(line)) this.fail(this.classic, line);
    else if (!CLASSIC_NOISE.test(line)) this.note(this.classic, line);
    return undefined;
  }

  private note(step: BuildStep | undefined, text: string): void {
    if (!step) return;
    step.output.push(text);
    if (step.output.length > KEPT_OUTPUT) step.output.shift();
  }

  private fail(step: BuildStep, error: string): void {
    step.error = error;
    this.failed ??= step;
  }

  /** Whether any line so far was a build step: the run built an image (or tried to). */
  get built(): boolean {
    return this.steps.size > 0;
  }
}

/** `dev: [3/5] RUN apt-get install …`, at most `width` characters. */
export function stepLine(step: BuildStep, width: number): string {
  const text = `${step.service ? `${step.service}: ` : ""}[${step.position}] ${step.command}`;
  return truncate(text, width);
}

export function truncate(text: string, width: number): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length <= width ? flat : `${flat.slice(0, Math.max(1, width - 1))}…`;
}

/** The exit code BuildKit or the classic builder reports for a failed RUN step, if it says one. */
export function exitCodeOf(step: BuildStep): number | undefined {
  const code = /(?:exit code|non-zero code): (\d+)/.exec(step.error ?? "")?.[1];
  return code === undefined ? undefined : Number(code);
}

const TLS = /certificate|x509|SSL|TLS|SELF_SIGNED|UNABLE_TO_(?:GET|VERIFY)|CERT_/i;
const NETWORK =
  /ETIMEDOUT|ECONNRESET|ECONNREFUSED|EAI_AGAIN|ENOTFOUND|ENETUNREACH|Could not resolve|Temporary failure resolving|timed out|407 Proxy|proxy/i;

/** What the failing step's output suggests: a certificate the build does not trust, or no way out. */
export function networkTrouble(lines: string[]): "tls" | "network" | undefined {
  if (lines.some((l) => TLS.test(l))) return "tls";
  if (lines.some((l) => NETWORK.test(l))) return "network";
  return undefined;
}

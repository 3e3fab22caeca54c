import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { listen, settled } from "../core/events.js";
import { recordEvent } from "../telemetry/listener.js";
import { TASK_TOOLS } from "./tools.js";
import { WORKSPACE_TOOLS } from "./workspace-tools.js";

/**
 * The SDK answers arguments that fail the inputSchema (and unknown tools) itself, as text only
 * (McpServer.createToolError, private in its types). Every outputSchema promises an `error` branch
 * on a tool error, so those answers carry it too; the text stays the SDK's.
 */
function answerSdkErrorsStructured(server: McpServer): void {
  const hint = "Check the arguments against the tool's inputSchema (tools/list).";
  Object.assign(server, {
    createToolError: (message: string) => ({
      content: [{ type: "text", text: message }],
      structuredContent: { error: { message, hint, code: "validation" } },
      isError: true,
    }),
  });
}

export const ALL_TOOLS = [...TASK_TOOLS, ...WORKSPACE_TOOLS];

/** `nexus mcp`: the Model Context Protocol on stdio. Progress goes to stderr; stdout is the protocol. */
export async function serveMcp(version: string): Promise<void> {
  // Task and workspace events of the session are recorded (a no-op when `nexus mcp` already listens).
  const unlisten = listen(recordEvent);
  const server = new McpServer({ name: "nexus", version });
  for (const tool of ALL_TOOLS) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.input,
        outputSchema: tool.output,
        annotations: { title: tool.title, ...tool.annotations },
      },
      (args: Record<string, unknown>) => tool.run(args),
    );
  }
  answerSdkErrorsStructured(server);
  const transport = new StdioServerTransport();
  await server.connect(transport);
  await new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.on("end", () => resolve());
  });
  await settled();
  unlisten();
}

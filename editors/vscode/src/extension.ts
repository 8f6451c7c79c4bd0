// Starts `mapvet server` (LSP over stdio) for Go files. The server does the
// work: diagnostics, quick fixes, "Ignore <rule> on this line" and hover.

import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("mapvet", { log: true });
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand("mapvet.restartServer", restart),
    vscode.commands.registerCommand("mapvet.showOutput", () => output?.show()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (
        e.affectsConfiguration("mapvet.enable") ||
        e.affectsConfiguration("mapvet.path") ||
        e.affectsConfiguration("mapvet.args")
      ) {
        void restart();
      }
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await stop();
}

async function start(): Promise<void> {
  const config = vscode.workspace.getConfiguration("mapvet");
  if (!config.get<boolean>("enable", true)) {
    return;
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const command = resolveBinary(config.get<string>("path", "mapvet"), folder);
  const extra = config.get<string[]>("args", []).map((a) => expand(a, folder));
  const server: ServerOptions = {
    command,
    args: ["server", ...extra],
    options: folder ? { cwd: folder } : undefined,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "go" }],
    outputChannel: output,
  };
  client = new LanguageClient("mapvet", "mapvet", server, clientOptions);
  try {
    await client.start();
  } catch (err) {
    const failed = client;
    client = undefined;
    failed.dispose().catch(() => undefined);
    const message = err instanceof Error ? err.message : String(err);
    // Not awaited: activation must not wait for the user to answer.
    void vscode.window
      .showErrorMessage(
        `mapvet: could not start "${command} server": ${message}. ` +
          "Install mapvet (cargo install --locked --path <mapvet checkout>) or set mapvet.path.",
        "Open Settings",
      )
      .then((pick) => {
        if (pick === "Open Settings") {
          void vscode.commands.executeCommand("workbench.action.openSettings", "mapvet.path");
        }
      });
  }
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) {
    try {
      await running.stop();
    } catch (err) {
      output?.warn(`stopping the server: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

async function restart(): Promise<void> {
  await stop();
  await start();
}

// A bare name is looked up on PATH by the operating system; a relative path
// with a separator is taken from the first workspace folder.
function resolveBinary(setting: string, folder: string | undefined): string {
  const value = expand(setting.trim() || "mapvet", folder);
  if (path.isAbsolute(value) || !/[\\/]/.test(value) || !folder) {
    return value;
  }
  return path.resolve(folder, value);
}

function expand(value: string, folder: string | undefined): string {
  let out = value;
  if (out === "~" || out.startsWith("~/")) {
    out = path.join(os.homedir(), out.slice(1));
  }
  if (folder) {
    out = out.split("${workspaceFolder}").join(folder);
  }
  return out;
}

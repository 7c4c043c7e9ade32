/**
 * One terminal session over `/ws/clusters/<id>/terminal` (docs/api.md): binary frames carry
 * the terminal's bytes both ways, JSON text frames the control messages.
 */

/** What the session needs of the terminal on screen (xterm.js's Terminal has all of it). */
export interface TerminalScreen {
  write(data: Uint8Array): void;
  onData(listener: (data: string) => void): { dispose(): void };
}

export type SessionEnd =
  | { kind: "exit"; code: number }
  | { kind: "error"; message: string }
  | { kind: "closed"; code: number };

export interface TerminalSessionOptions {
  url: string;
  screen: TerminalScreen;
  onOpen(): void;
  onEnd(end: SessionEnd): void;
  createSocket?(url: string): WebSocket;
}

export function terminalUrl(
  location: Pick<Location, "protocol" | "host">,
  clusterId: string,
  ticket: string,
  size: { cols: number; rows: number },
): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const query = new URLSearchParams({ ticket, cols: String(size.cols), rows: String(size.rows) });
  return `${scheme}//${location.host}/ws/clusters/${encodeURIComponent(clusterId)}/terminal?${query}`;
}

/** What to tell the user when a session ends. */
export function describeEnd(end: SessionEnd): string {
  if (end.kind === "exit") {
    return `The shell exited (code ${end.code}).`;
  }
  if (end.kind === "error") {
    return end.message;
  }
  return end.code === 4404 ? "Cluster not found." : "The connection to the terminal was lost.";
}

export function openTerminalSession(options: TerminalSessionOptions): {
  resize(cols: number, rows: number): void;
  close(): void;
} {
  const socket = (options.createSocket ?? ((url: string) => new WebSocket(url)))(options.url);
  socket.binaryType = "arraybuffer";
  const encoder = new TextEncoder();
  let ended = false;
  const end = (how: SessionEnd) => {
    if (!ended) {
      ended = true;
      options.onEnd(how);
    }
  };
  const typing = options.screen.onData((data) => {
    if (socket.readyState === WebSocket.OPEN) {
      socket.send(encoder.encode(data));
    }
  });
  socket.onopen = () => options.onOpen();
  socket.onmessage = (message: MessageEvent) => {
    if (typeof message.data !== "string") {
      options.screen.write(new Uint8Array(message.data as ArrayBuffer));
      return;
    }
    let control: { type?: string; code?: number; message?: string };
    try {
      control = JSON.parse(message.data);
    } catch {
      return;
    }
    if (control.type === "exit") {
      end({ kind: "exit", code: Number(control.code ?? 0) });
    } else if (control.type === "error") {
      end({ kind: "error", message: String(control.message ?? "The terminal was refused.") });
    }
  };
  socket.onclose = (close: CloseEvent) => {
    typing.dispose();
    end({ kind: "closed", code: close.code });
  };
  return {
    resize(cols: number, rows: number) {
      if (socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({ type: "resize", cols, rows }));
      }
    },
    close() {
      ended = true;
      typing.dispose();
      socket.close();
    },
  };
}

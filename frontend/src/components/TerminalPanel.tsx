"use client";

// Loaded only when the user opens the terminal (next/dynamic in ClusterDetail): xterm.js is
// not part of any page's first load.
import "@xterm/xterm/css/xterm.css";
import { FitAddon } from "@xterm/addon-fit";
import { Terminal } from "@xterm/xterm";
import { useEffect, useRef, useState } from "react";
import { issueSocketTicket } from "@/lib/features/auth/socketTicket";
import {
  describeEnd,
  openTerminalSession,
  terminalUrl,
} from "@/lib/features/terminal/terminalSession";
import { useAppDispatch, useAppStore } from "@/lib/hooks";
import styles from "./TerminalPanel.module.css";

type State = { phase: "connecting" | "open" } | { phase: "ended"; message: string };

export function TerminalPanel({ clusterId }: { clusterId: string }) {
  const dispatch = useAppDispatch();
  const store = useAppStore();
  const container = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<State>({ phase: "connecting" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const terminal = new Terminal({ cursorBlink: true, scrollback: 5000 });
    const fit = new FitAddon();
    terminal.loadAddon(fit);
    terminal.open(container.current!);
    fit.fit();
    terminal.focus();
    let session: ReturnType<typeof openTerminalSession> | null = null;
    let gone = false;
    void issueSocketTicket(dispatch, store.getState).then((ticket) => {
      if (gone) return;
      if (!ticket) {
        setState({ phase: "ended", message: "The terminal could not be opened: log in again." });
        return;
      }
      session = openTerminalSession({
        url: terminalUrl(window.location, clusterId, ticket, { cols: terminal.cols, rows: terminal.rows }),
        screen: terminal,
        onOpen: () => setState({ phase: "open" }),
        onEnd: (end) => setState({ phase: "ended", message: describeEnd(end) }),
      });
    });
    const resized = terminal.onResize(({ cols, rows }) => session?.resize(cols, rows));
    const refit = () => fit.fit();
    window.addEventListener("resize", refit);
    return () => {
      gone = true;
      window.removeEventListener("resize", refit);
      resized.dispose();
      session?.close();
      terminal.dispose();
    };
  }, [clusterId, attempt, dispatch, store]);

  const reconnect = () => {
    setState({ phase: "connecting" });
    setAttempt((n) => n + 1);
  };
  return (
    <div className={styles.panel}>
      <div ref={container} className={styles.screen} data-testid="terminal" />
      <p role="status" className={state.phase === "ended" ? "field-error" : "muted"}>
        {state.phase === "connecting" && "Starting a shell on the cluster…"}
        {state.phase === "open" && "Connected: kubectl is set up for this cluster."}
        {state.phase === "ended" && state.message}
      </p>
      {state.phase === "ended" && (
        <p>
          <button type="button" className="button" onClick={reconnect}>
            Reconnect
          </button>
        </p>
      )}
    </div>
  );
}

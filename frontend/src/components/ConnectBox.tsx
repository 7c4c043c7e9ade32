"use client";

import { useState } from "react";
import styles from "./ConnectBox.module.css";

/** The exact commands that reach a RUNNING cluster from the user's own machine. */
export function connectCommands(name: string, origin: string): { label: string; command: string }[] {
  return [
    { label: "Log the CLI in to this server (once)", command: `pyk8s auth login --api-url ${origin}` },
    { label: "A shell with kubectl, on the cluster's own network", command: `pyk8s cluster shell ${name}` },
    {
      label: "Or your own kubectl: merge the kubeconfig, then use its context",
      command: `pyk8s cluster get-kubeconfig ${name} --merge\nkubectl --context pyk8s-${name} get nodes`,
    },
    { label: "Or one command with a private kubeconfig", command: `pyk8s cluster run ${name} -- kubectl get nodes` },
  ];
}

export function ConnectBox({ name }: { name: string }) {
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async (command: string) => {
    try {
      await navigator.clipboard.writeText(command);
      setCopied(command);
    } catch {
      setCopied(null);
    }
  };
  return (
    <section className="card" aria-labelledby="connect-title">
      <h2 id="connect-title" className={styles.title}>
        Connect
      </h2>
      <ul className={styles.commands}>
        {connectCommands(name, globalThis.location?.origin ?? "").map(({ label, command }) => (
          <li key={label}>
            <p className="muted">{label}</p>
            <div className={styles.command}>
              <pre>
                <code>{command}</code>
              </pre>
              <button type="button" className="button" onClick={() => copy(command)} aria-label={`Copy: ${label}`}>
                Copy
              </button>
            </div>
            <p role="status" className="muted">
              {copied === command ? "Copied to the clipboard." : ""}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}

"use client";

import dynamic from "next/dynamic";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { describeError, errorMessage } from "@/lib/api/errors";
import type { Cluster } from "@/lib/api/types";
import {
  clustersApi,
  useClusterEventsQuery,
  useGetClusterLogQuery,
  useDeleteClusterMutation,
  useGetClusterQuery,
} from "@/lib/features/clusters/clustersApi";
import { useAppDispatch } from "@/lib/hooks";
import { ConfirmDialog } from "./ConfirmDialog";
import { ConnectBox } from "./ConnectBox";
import { ExtendButton } from "./ExtendButton";
import { StatusBadge } from "./StatusBadge";
import { TtlCountdown } from "./TtlCountdown";
import { statusDetail } from "./ClusterList";
import styles from "./ClusterDetail.module.css";

// xterm.js comes with the terminal only: no page loads it before the user asks for a shell.
const TerminalPanel = dynamic(() => import("./TerminalPanel").then((module) => module.TerminalPanel), {
  ssr: false,
  loading: () => <p className="muted">Loading the terminal…</p>,
});

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const formatDate = (value: string | null) => (value ? dateFormat.format(new Date(value)) : "—");

export function ClusterDetail({ id }: { id: string }) {
  const { data: cluster, isLoading, error, refetch } = useGetClusterQuery(id);

  if (isLoading) {
    return (
      <p className="muted" role="status">
        Loading cluster…
      </p>
    );
  }
  if (error || !cluster) {
    const notFound = error && "status" in error && error.status === 404;
    return (
      <div className="card stack" role="alert">
        <h1>{notFound ? "Cluster not found" : "This cluster could not be loaded"}</h1>
        <p>{notFound ? "It does not exist, or it is not yours." : errorMessage(error)}</p>
        <p>
          {!notFound && (
            <button type="button" className="button" onClick={refetch}>
              Try again
            </button>
          )}{" "}
          <Link href="/">Back to your clusters</Link>
        </p>
      </div>
    );
  }
  return <ClusterView cluster={cluster} />;
}

function ClusterView({ cluster }: { cluster: Cluster }) {
  const live = cluster.status === "PROVISIONING" || cluster.status === "RUNNING";
  const detail = statusDetail(cluster);
  return (
    <>
      <nav aria-label="Breadcrumb">
        <Link href="/">← Your clusters</Link>
      </nav>
      <section className={`card ${styles.summary}`} aria-labelledby="cluster-title">
        <div className={styles.heading}>
          <h1 id="cluster-title">{cluster.name}</h1>
          <StatusBadge status={cluster.status} />
        </div>
        {cluster.status === "ERROR" ? (
          <p className="alert alert-error" role="alert">
            <strong>Provisioning failed:</strong> {detail}
          </p>
        ) : (
          detail && <p className="muted">{detail}</p>
        )}
        {cluster.status === "DELETED" && (
          <p className="alert alert-info">This cluster has been deleted.</p>
        )}
        <dl className={styles.facts}>
          <div>
            <dt>Kubernetes</dt>
            <dd>{cluster.kubernetes_version}</dd>
          </div>
          <div>
            <dt>Worker nodes</dt>
            <dd>{cluster.workers}</dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>{formatDate(cluster.created_at)}</dd>
          </div>
          <div>
            <dt>Expires</dt>
            <dd>{live ? <TtlCountdown expiresAt={cluster.ttl_expires_at} /> : "—"}</dd>
          </div>
        </dl>
        <ClusterActions cluster={cluster} />
      </section>
      {cluster.status === "RUNNING" && <TerminalSection clusterId={cluster.id} />}
      {cluster.status === "RUNNING" && <ConnectBox name={cluster.name} />}
      <ProvisioningLog clusterId={cluster.id} />
    </>
  );
}

function ClusterActions({ cluster }: { cluster: Cluster }) {
  const dispatch = useAppDispatch();
  const router = useRouter();
  const [remove, removal] = useDeleteClusterMutation();
  const [confirming, setConfirming] = useState(false);
  const [notice, setNotice] = useState<{ text: string; error: boolean } | null>(null);
  const running = cluster.status === "RUNNING";
  const deletable = cluster.status !== "DELETING" && cluster.status !== "DELETED";

  const fetchKubeconfig = async (): Promise<string | null> => {
    // subscribe: false leaves nothing cached: the kubeconfig is a credential.
    const result = await dispatch(
      clustersApi.endpoints.kubeconfig.initiate(cluster.id, { subscribe: false, forceRefetch: true }),
    );
    if (result.error) {
      setNotice({ text: describeError(result.error) ?? "The kubeconfig could not be fetched.", error: true });
      return null;
    }
    return result.data ?? null;
  };

  const download = async () => {
    const kubeconfig = await fetchKubeconfig();
    if (kubeconfig === null) return;
    const url = URL.createObjectURL(new Blob([kubeconfig], { type: "application/yaml" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = `${cluster.name}-kubeconfig.yaml`;
    link.click();
    URL.revokeObjectURL(url);
    setNotice({ text: `Saved ${link.download}.`, error: false });
  };

  const copy = async () => {
    const kubeconfig = await fetchKubeconfig();
    if (kubeconfig === null) return;
    try {
      await navigator.clipboard.writeText(kubeconfig);
      setNotice({ text: "Kubeconfig copied to the clipboard.", error: false });
    } catch {
      setNotice({ text: "The browser did not allow copying; use Download instead.", error: true });
    }
  };

  const confirmDelete = async () => {
    setConfirming(false);
    const result = await remove(cluster.id);
    if (!result.error) {
      router.push("/");
    }
  };

  const removalError = describeError(removal.error);
  return (
    <div className={styles.actions}>
      <div className={styles.buttons}>
        <button type="button" className="button button-primary" onClick={download} disabled={!running}>
          Download kubeconfig
        </button>
        <button type="button" className="button" onClick={copy} disabled={!running}>
          Copy kubeconfig
        </button>
        {(cluster.status === "RUNNING" || cluster.status === "PROVISIONING") && <ExtendButton clusterId={cluster.id} />}
        <button
          type="button"
          className={`button button-danger ${styles.delete}`}
          onClick={() => setConfirming(true)}
          disabled={!deletable || removal.isLoading}
        >
          {removal.isLoading ? "Deleting…" : "Delete cluster"}
        </button>
      </div>
      {!running && cluster.status === "PROVISIONING" && (
        <p className="field-hint">The kubeconfig is available once the cluster is running.</p>
      )}
      <p role="status" className={notice?.error || removalError ? "field-error" : "muted"}>
        {removalError ?? notice?.text}
      </p>
      <ConfirmDialog
        open={confirming}
        title={`Delete ${cluster.name}?`}
        message="The cluster and everything running in it are destroyed. This cannot be undone."
        confirmLabel="Delete cluster"
        onConfirm={confirmDelete}
        onCancel={() => setConfirming(false)}
      />
    </div>
  );
}

function TerminalSection({ clusterId }: { clusterId: string }) {
  const [open, setOpen] = useState(false);
  return (
    <section className="card stack" aria-labelledby="terminal-title">
      <div className={styles.heading}>
        <h2 id="terminal-title" className={styles.logTitle}>
          Terminal
        </h2>
        <button type="button" className="button" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? "Close terminal" : "Open terminal"}
        </button>
      </div>
      {open ? (
        <TerminalPanel clusterId={clusterId} />
      ) : (
        <p className="muted">A shell with kubectl set up for this cluster, in your browser.</p>
      )}
    </section>
  );
}

function ProvisioningLog({ clusterId }: { clusterId: string }) {
  const { data: events } = useClusterEventsQuery();
  // The server's copy is the whole story (also after a reload, or for a create that failed
  // long ago) and is refetched as live lines arrive; the live lines show until it loads.
  const { data: kept } = useGetClusterLogQuery(clusterId);
  const lines = kept ?? events?.logs[clusterId] ?? [];
  const end = useRef<HTMLPreElement>(null);

  useEffect(() => {
    end.current?.scrollTo({ top: end.current.scrollHeight });
  }, [lines.length]);

  return (
    <section className="card" aria-labelledby="log-title">
      <h2 id="log-title" className={styles.logTitle}>
        Provisioning log
      </h2>
      {lines.length === 0 ? (
        <p className="muted">Progress from kind appears here live while the cluster is created or deleted.</p>
      ) : (
        <pre ref={end} className={styles.log} role="log" aria-live="polite" tabIndex={0}>
          {lines.join("\n")}
        </pre>
      )}
    </section>
  );
}

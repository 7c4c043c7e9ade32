"use client";

import Link from "next/link";
import type { Cluster } from "@/lib/api/types";
import { errorMessage } from "@/lib/api/errors";
import { useListClustersQuery } from "@/lib/features/clusters/clustersApi";
import { StatusBadge } from "./StatusBadge";
import { TtlCountdown } from "./TtlCountdown";
import styles from "./ClusterList.module.css";

export function ClusterList() {
  const { data: clusters, isLoading, error, refetch } = useListClustersQuery();

  return (
    <section className="card" aria-labelledby="clusters-title" aria-busy={isLoading}>
      <h2 id="clusters-title" className={styles.title}>
        Your clusters
      </h2>
      {isLoading ? (
        <p className="muted" role="status">
          Loading clusters…
        </p>
      ) : error ? (
        <div className="alert alert-error" role="alert">
          <p>{errorMessage(error) ?? "Your clusters could not be loaded."}</p>
          <button type="button" className="button" onClick={refetch}>
            Try again
          </button>
        </div>
      ) : !clusters || clusters.length === 0 ? (
        <div className={styles.empty}>
          <p>No clusters yet.</p>
          <p className="muted">Create one above: it is ready in a minute or two and deletes itself when its time is up.</p>
        </div>
      ) : (
        <ul className={styles.list}>
          {clusters.map((cluster) => (
            <ClusterRow key={cluster.id} cluster={cluster} />
          ))}
        </ul>
      )}
    </section>
  );
}

export function statusDetail(cluster: Cluster): string | null {
  if (cluster.status === "PROVISIONING" && cluster.queue_position !== null) {
    const ahead = cluster.queue_position;
    if (ahead === 0) {
      return "Queued: next in line";
    }
    return `Queued: ${ahead} ${ahead === 1 ? "cluster" : "clusters"} ahead`;
  }
  if (cluster.status === "ERROR") {
    return cluster.status_reason || "Provisioning failed.";
  }
  return null;
}

function ClusterRow({ cluster }: { cluster: Cluster }) {
  const detail = statusDetail(cluster);
  const live = cluster.status === "PROVISIONING" || cluster.status === "RUNNING";
  return (
    <li className={styles.row} data-cluster-id={cluster.id}>
      <div className={styles.name}>
        <Link href={`/cluster/?id=${cluster.id}`}>{cluster.name}</Link>
        <span className="muted">
          Kubernetes {cluster.kubernetes_version} · {cluster.workers === 0 ? "no workers" : `${cluster.workers} workers`}
        </span>
      </div>
      <div className={styles.status}>
        <StatusBadge status={cluster.status} />
        {detail && <span className={styles.detail}>{detail}</span>}
      </div>
      <div className={styles.ttl}>{live && <TtlCountdown expiresAt={cluster.ttl_expires_at} />}</div>
    </li>
  );
}

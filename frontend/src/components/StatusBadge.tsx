import type { ClusterStatus } from "@/lib/api/types";
import styles from "./StatusBadge.module.css";

const LABELS: Record<ClusterStatus, string> = {
  PROVISIONING: "Provisioning",
  RUNNING: "Running",
  DELETING: "Deleting",
  DELETED: "Deleted",
  ERROR: "Error",
};

/** A cluster's status as colour and text both, so it never depends on seeing colour. */
export function StatusBadge({ status }: { status: ClusterStatus }) {
  return (
    <span className={`${styles.badge} ${styles[status.toLowerCase()]}`} data-status={status}>
      <span className={styles.dot} aria-hidden="true" />
      {LABELS[status]}
    </span>
  );
}

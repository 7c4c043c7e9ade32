"use client";

import Link from "next/link";
import { useClusterEventsQuery } from "@/lib/features/clusters/clustersApi";
import { ExtendButton } from "./ExtendButton";
import styles from "./ExpiryBanner.module.css";

/** The server's cluster.expiring warnings, each with the way out. */
export function ExpiryBanner() {
  const { data: events } = useClusterEventsQuery();
  const notices = Object.entries(events?.expiring ?? {});
  if (notices.length === 0) {
    return null;
  }
  return (
    <section className={styles.banners} aria-label="Clusters expiring soon">
      {notices.map(([id, notice]) => (
        <div key={id} className={`alert alert-warning ${styles.banner}`} role="alert">
          <p>
            <Link href={`/cluster/?id=${id}`}>{notice.name}</Link> will be deleted in about{" "}
            {notice.minutesLeft} {notice.minutesLeft === 1 ? "minute" : "minutes"}.
          </p>
          <ExtendButton clusterId={id} />
        </div>
      ))}
    </section>
  );
}

"use client";

import { useNow } from "./useNow";
import styles from "./TtlCountdown.module.css";

// Matches the server's expiry warning (cluster.expiring), so the countdown turns with the banner.
const SOON_MS = 10 * 60 * 1000;

export function formatRemaining(ms: number): string {
  if (ms <= 0) {
    return "expired";
  }
  const totalSeconds = Math.floor(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) {
    return `${hours}h ${String(minutes).padStart(2, "0")}m left`;
  }
  if (minutes > 0) {
    return `${minutes}m ${String(seconds).padStart(2, "0")}s left`;
  }
  return `${seconds}s left`;
}

export function TtlCountdown({ expiresAt }: { expiresAt: string }) {
  const now = useNow();
  const remaining = Date.parse(expiresAt) - now;
  const tone = remaining <= 0 ? styles.expired : remaining <= SOON_MS ? styles.soon : styles.normal;
  return (
    <time
      className={`${styles.countdown} ${tone}`}
      dateTime={expiresAt}
      title={`Deleted automatically at ${new Date(expiresAt).toLocaleString()}`}
    >
      {formatRemaining(remaining)}
    </time>
  );
}

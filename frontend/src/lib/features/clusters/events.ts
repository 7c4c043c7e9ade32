import type { Cluster } from "@/lib/api/types";

/** Messages the server pushes on /ws (see the API section of the README). */
export type ClusterEvent =
  | { type: "cluster.status.changed"; cluster: Cluster }
  | { type: "cluster.log"; cluster_id: string; lines: string[] }
  | { type: "cluster.expiring"; cluster: Cluster; minutes_left: number };

export type ConnectionState = "connecting" | "live" | "reconnecting";

export interface ExpiryNotice {
  name: string;
  minutesLeft: number;
}

/** What the event stream keeps besides the clusters themselves (which live in their queries). */
export interface ClusterEventsState {
  connection: ConnectionState;
  logs: Record<string, string[]>;
  expiring: Record<string, ExpiryNotice>;
}

// Enough for kind's create and delete output; older lines scroll away.
export const MAX_LOG_LINES = 500;

export function parseClusterEvent(raw: unknown): ClusterEvent | null {
  if (typeof raw !== "string") {
    return null;
  }
  try {
    const event = JSON.parse(raw) as { type?: unknown };
    const known = ["cluster.status.changed", "cluster.log", "cluster.expiring"];
    return typeof event.type === "string" && known.includes(event.type) ? (event as ClusterEvent) : null;
  } catch {
    return null;
  }
}

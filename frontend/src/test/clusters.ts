import type { Cluster } from "@/lib/api/types";

export function aCluster(overrides: Partial<Cluster> = {}): Cluster {
  return {
    id: "7f1c2a3e-0000-4000-8000-000000000001",
    name: "demo",
    labels: {},
    status: "PROVISIONING",
    status_reason: "",
    // What the API sends for a cluster without a problem, though the schema's enum omits it.
    status_reason_code: "" as Cluster["status_reason_code"],
    kubernetes_version: "1.33.1",
    workers: 0,
    created_at: "2026-01-01T12:00:00Z",
    updated_at: "2026-01-01T12:00:00Z",
    ttl_expires_at: "2026-01-01T13:00:00Z",
    provisioned_at: null,
    deleted_at: null,
    queue_position: null,
    ...overrides,
  };
}

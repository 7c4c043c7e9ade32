import { aCluster } from "@/test/clusters";
import { statusDetail } from "./ClusterList";

test.each([
  [aCluster({ status: "PROVISIONING", queue_position: 0 }), "Queued: next in line"],
  [aCluster({ status: "PROVISIONING", queue_position: 1 }), "Queued: 1 cluster ahead"],
  [aCluster({ status: "PROVISIONING", queue_position: 3 }), "Queued: 3 clusters ahead"],
  [aCluster({ status: "PROVISIONING", queue_position: null }), null],
  [aCluster({ status: "ERROR", status_reason: "Docker is not reachable." }), "Docker is not reachable."],
  [aCluster({ status: "RUNNING" }), null],
])("it explains the status of %#", (cluster, text) => {
  expect(statusDetail(cluster)).toBe(text);
});

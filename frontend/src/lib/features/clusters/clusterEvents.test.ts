import { makeStore } from "@/lib/store";
import { aCluster } from "@/test/clusters";
import { json, mockFetch } from "@/test/fetch";
import { applyClusterEvent, clustersApi } from "./clustersApi";
import { MAX_LOG_LINES, type ClusterEvent, type ClusterEventsState } from "./events";

const first = aCluster({ id: "c1", name: "first" });
const second = aCluster({ id: "c2", name: "second", status: "RUNNING" });

async function storeWith(clusters = [first, second]) {
  const store = makeStore();
  await store.dispatch(clustersApi.util.upsertQueryData("listClusters", undefined, clusters));
  await store.dispatch(clustersApi.util.upsertQueryData("getCluster", first.id, first));
  await store.dispatch(
    clustersApi.util.upsertQueryData("clusterEvents", undefined, { connection: "live", logs: {}, expiring: {} }),
  );
  const send = (event: ClusterEvent) =>
    applyClusterEvent(event, store.dispatch, (recipe: (events: ClusterEventsState) => void) =>
      store.dispatch(clustersApi.util.updateQueryData("clusterEvents", undefined, recipe)),
    );
  const listed = () => clustersApi.endpoints.listClusters.select()(store.getState()).data;
  const detail = () => clustersApi.endpoints.getCluster.select(first.id)(store.getState()).data;
  const events = () => clustersApi.endpoints.clusterEvents.select()(store.getState()).data!;
  return { store, send, listed, detail, events };
}

const later = (minutes: number) => new Date(Date.parse(first.updated_at) + minutes * 60_000).toISOString();

test("a status change updates the list and the detail view in place", async () => {
  const { send, listed, detail } = await storeWith();
  const running = { ...first, status: "RUNNING" as const, updated_at: later(1) };

  send({ type: "cluster.status.changed", cluster: running });

  expect(listed()!.map(({ id, status }) => [id, status])).toEqual([
    ["c1", "RUNNING"],
    ["c2", "RUNNING"],
  ]);
  expect(detail()!.status).toBe("RUNNING");
});

test("a deleted cluster disappears from the list", async () => {
  const { send, listed, detail } = await storeWith();

  send({ type: "cluster.status.changed", cluster: { ...first, status: "DELETED", updated_at: later(2) } });

  expect(listed()!.map(({ id }) => id)).toEqual(["c2"]);
  expect(detail()!.status).toBe("DELETED");
});

test("a cluster created elsewhere (the CLI) appears at the top", async () => {
  const { send, listed } = await storeWith();

  send({ type: "cluster.status.changed", cluster: aCluster({ id: "c3", name: "from-cli" }) });

  expect(listed()!.map(({ id }) => id)).toEqual(["c3", "c1", "c2"]);
});

test("an event older than what is shown is ignored", async () => {
  const { send, listed } = await storeWith([{ ...first, status: "RUNNING", updated_at: later(5) }]);

  send({ type: "cluster.status.changed", cluster: { ...first, status: "PROVISIONING", updated_at: later(1) } });

  expect(listed()![0]!.status).toBe("RUNNING");
});

test("log lines accumulate per cluster, in order, keeping the latest ones", async () => {
  const { send, events } = await storeWith();

  send({ type: "cluster.log", cluster_id: "c1", lines: ["Creating cluster", "Ensuring node image"] });
  send({ type: "cluster.log", cluster_id: "c2", lines: ["Deleting cluster"] });
  send({ type: "cluster.log", cluster_id: "c1", lines: ["Ready"] });

  expect(events().logs).toEqual({
    c1: ["Creating cluster", "Ensuring node image", "Ready"],
    c2: ["Deleting cluster"],
  });

  send({ type: "cluster.log", cluster_id: "c1", lines: Array.from({ length: MAX_LOG_LINES }, (_, i) => `line ${i}`) });
  expect(events().logs.c1).toHaveLength(MAX_LOG_LINES);
  expect(events().logs.c1!.at(-1)).toBe(`line ${MAX_LOG_LINES - 1}`);
});

test("an expiry warning raises a notice until the cluster goes away", async () => {
  const { send, events } = await storeWith();

  send({ type: "cluster.expiring", cluster: { ...second, updated_at: later(1) }, minutes_left: 10 });
  expect(events().expiring).toEqual({ c2: { name: "second", minutesLeft: 10 } });

  send({ type: "cluster.status.changed", cluster: { ...second, status: "DELETING", updated_at: later(2) } });
  expect(events().expiring).toEqual({});
});

test("live log lines have the cluster's kept log read again, so it is never behind", async () => {
  let kept = ["Creating cluster"];
  const fetchSpy = mockFetch(() => json({ lines: kept }));
  const { store, send } = await storeWith();
  const keptLog = () => clustersApi.endpoints.getClusterLog.select("c1")(store.getState()).data;
  const subscription = store.dispatch(clustersApi.endpoints.getClusterLog.initiate("c1"));
  await subscription;
  expect(keptLog()).toEqual(["Creating cluster"]);

  kept = ["Creating cluster", "Ready"];
  send({ type: "cluster.log", cluster_id: "c1", lines: ["Ready"] });

  await vi.waitFor(() => expect(keptLog()).toEqual(["Creating cluster", "Ready"]));
  expect(fetchSpy.mock.calls.map(([request]) => new URL((request as Request).url).pathname)).toEqual([
    "/clusters/c1/log/",
    "/clusters/c1/log/",
  ]);
  subscription.unsubscribe();
});

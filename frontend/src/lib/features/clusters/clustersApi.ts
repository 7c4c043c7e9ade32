import { createApi } from "@reduxjs/toolkit/query/react";
import type { ThunkDispatch, UnknownAction } from "@reduxjs/toolkit";
import { baseQueryWithReauth } from "@/lib/api/baseQuery";
import type {
  Cluster,
  ClusterChoices,
  ClusterCreateRequest,
  ClusterExtended,
  ClusterLog,
  ClusterPage,
} from "@/lib/api/types";
import { refreshAccessToken } from "@/lib/features/auth/session";
import { issueSocketTicket } from "@/lib/features/auth/socketTicket";
import { openEventStream } from "./eventStream";
import { MAX_LOG_LINES, type ClusterEvent, type ClusterEventsState } from "./events";

const LIST = { type: "Cluster", id: "LIST" } as const;

export const clustersApi = createApi({
  reducerPath: "clustersApi",
  baseQuery: baseQueryWithReauth,
  tagTypes: ["Cluster", "ClusterLog"],
  endpoints: (build) => ({
    listClusters: build.query<Cluster[], void>({
      query: () => "/clusters/",
      transformResponse: (page: ClusterPage) => page.results,
      providesTags: (clusters = []) => [LIST, ...clusters.map(({ id }) => ({ type: "Cluster" as const, id }))],
    }),
    /** What a create may ask for on this deployment (versions, TTL bounds, workers). */
    clusterChoices: build.query<ClusterChoices, void>({
      query: () => "/clusters/choices/",
    }),
    getCluster: build.query<Cluster, string>({
      query: (id) => `/clusters/${encodeURIComponent(id)}/`,
      providesTags: (_cluster, _error, id) => [{ type: "Cluster", id }],
    }),
    /** kind's output from the cluster's latest create or delete, as the server kept it;
     * refetched whenever live lines arrive (applyClusterEvent), so it is never behind. */
    getClusterLog: build.query<string[], string>({
      query: (id) => `/clusters/${encodeURIComponent(id)}/log/`,
      transformResponse: (log: ClusterLog) => log.lines,
      providesTags: (_lines, _error, id) => [{ type: "ClusterLog", id }],
    }),
    createCluster: build.mutation<Cluster, ClusterCreateRequest>({
      query: (body) => ({ url: "/clusters/", method: "POST", body }),
      async onQueryStarted(_request, { dispatch, queryFulfilled }) {
        const { data } = await queryFulfilled.catch(() => ({ data: null }));
        if (data) {
          storeCluster(dispatch, data);
        }
      },
    }),
    deleteCluster: build.mutation<Cluster, string>({
      query: (id) => ({ url: `/clusters/${encodeURIComponent(id)}/`, method: "DELETE" }),
      async onQueryStarted(_id, { dispatch, queryFulfilled }) {
        const { data } = await queryFulfilled.catch(() => ({ data: null }));
        if (data) {
          storeCluster(dispatch, data);
        }
      },
    }),
    extendCluster: build.mutation<ClusterExtended, { id: string; minutes: number }>({
      query: ({ id, minutes }) => ({
        url: `/clusters/${encodeURIComponent(id)}/extend/`,
        method: "POST",
        body: { minutes },
      }),
      async onQueryStarted(_request, { dispatch, queryFulfilled }) {
        const { data } = await queryFulfilled.catch(() => ({ data: null }));
        if (data) {
          patchCluster(dispatch, data.id, { ttl_expires_at: data.ttl_expires_at });
          dispatch(
            clustersApi.util.updateQueryData("clusterEvents", undefined, (events) => {
              delete events.expiring[data.id];
            }),
          );
        }
      },
    }),
    kubeconfig: build.query<string, string>({
      query: (id) => ({
        url: `/clusters/${encodeURIComponent(id)}/kubeconfig/`,
        responseHandler: "text",
      }),
      // A credential: gone from the cache as soon as the caller has it.
      keepUnusedDataFor: 0,
    }),
    /** The /ws stream: its own state is connection, logs and expiry notices; it patches the rest. */
    clusterEvents: build.query<ClusterEventsState, void>({
      queryFn: () => ({ data: { connection: "connecting", logs: {}, expiring: {} } }),
      keepUnusedDataFor: 5,
      async onCacheEntryAdded(_arg, { dispatch, getState, updateCachedData, cacheDataLoaded, cacheEntryRemoved }) {
        await cacheDataLoaded;
        const stream = openEventStream({
          ticket: () => issueSocketTicket(dispatch, getState),
          refreshAccessToken: () => refreshAccessToken(dispatch),
          onConnection: (connection) =>
            updateCachedData((events) => {
              events.connection = connection;
            }),
          // (Re)connected: catch up on what happened while no socket was open.
          onOpen: () => dispatch(clustersApi.util.invalidateTags(["Cluster", "ClusterLog"])),
          onEvent: (event) => applyClusterEvent(event, dispatch, updateCachedData),
        });
        await cacheEntryRemoved;
        stream.close();
      },
    }),
  }),
});

// The dispatch RTK Query hands to lifecycle callbacks: typed for any store holding this slice.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AppThunkDispatch = ThunkDispatch<any, unknown, UnknownAction>;

/** Applies one server event to the cached clusters and to the stream's own state. */
export function applyClusterEvent(
  event: ClusterEvent,
  dispatch: AppThunkDispatch,
  updateEvents: (recipe: (events: ClusterEventsState) => void) => void,
): void {
  switch (event.type) {
    case "cluster.status.changed":
      storeCluster(dispatch, event.cluster);
      if (event.cluster.status !== "RUNNING" && event.cluster.status !== "PROVISIONING") {
        updateEvents((events) => {
          delete events.expiring[event.cluster.id];
        });
      }
      return;
    case "cluster.log":
      updateEvents((events) => {
        const lines = [...(events.logs[event.cluster_id] ?? []), ...event.lines];
        events.logs[event.cluster_id] = lines.slice(-MAX_LOG_LINES);
      });
      dispatch(clustersApi.util.invalidateTags([{ type: "ClusterLog", id: event.cluster_id }]));
      return;
    case "cluster.expiring":
      storeCluster(dispatch, event.cluster);
      updateEvents((events) => {
        events.expiring[event.cluster.id] = { name: event.cluster.name, minutesLeft: event.minutes_left };
      });
      return;
  }
}

/** Puts the server's latest version of a cluster into every cached query that shows it. */
function storeCluster(dispatch: AppThunkDispatch, cluster: Cluster): void {
  dispatch(
    clustersApi.util.updateQueryData("listClusters", undefined, (clusters) => {
      const index = clusters.findIndex(({ id }) => id === cluster.id);
      if (index < 0) {
        if (cluster.status !== "DELETED") clusters.unshift(cluster);
      } else if (isNewer(cluster, clusters[index]!)) {
        if (cluster.status === "DELETED") clusters.splice(index, 1);
        else clusters[index] = cluster;
      }
    }),
  );
  dispatch(
    clustersApi.util.updateQueryData("getCluster", cluster.id, (cached) =>
      isNewer(cluster, cached) ? cluster : cached,
    ),
  );
}

// An event can overtake the response of a request sent before it: never go back in time.
const isNewer = (incoming: Cluster, cached: Cluster) => incoming.updated_at >= cached.updated_at;

function patchCluster(dispatch: AppThunkDispatch, id: string, changes: Partial<Cluster>): void {
  dispatch(
    clustersApi.util.updateQueryData("listClusters", undefined, (clusters) => {
      const cluster = clusters.find((candidate) => candidate.id === id);
      if (cluster) Object.assign(cluster, changes);
    }),
  );
  dispatch(
    clustersApi.util.updateQueryData("getCluster", id, (cluster) => {
      Object.assign(cluster, changes);
    }),
  );
}

export const {
  useListClustersQuery,
  useClusterChoicesQuery,
  useGetClusterQuery,
  useGetClusterLogQuery,
  useCreateClusterMutation,
  useDeleteClusterMutation,
  useExtendClusterMutation,
  useClusterEventsQuery,
} = clustersApi;

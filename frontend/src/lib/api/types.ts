import type { components } from "./schema";

type Schemas = components["schemas"];

// queue_position is being added to the backend's serializer; drop the addition once
// schema.d.ts carries it (npm run api:types).
export type Cluster = Schemas["Cluster"] & { readonly queue_position?: number | null };
export type ClusterStatus = Schemas["StatusEnum"];
export type ClusterCreateRequest = Schemas["ClusterCreateRequest"];
export type ClusterExtended = Schemas["ClusterExtended"];
export type Credentials = Schemas["CredentialsRequest"];
export type TokenPair = Schemas["TokenPair"];
export type User = Schemas["User"];
export type ApiError = Schemas["Error"];
export type ClusterPage = Omit<Schemas["PaginatedClusterList"], "results"> & { results: Cluster[] };

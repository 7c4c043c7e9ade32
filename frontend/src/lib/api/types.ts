import type { components } from "./schema";

type Schemas = components["schemas"];

export type ApiToken = Schemas["ApiToken"];
export type ApiTokenCreated = Schemas["ApiTokenCreated"];
export type ApiTokenCreateRequest = Schemas["ApiTokenCreateRequest"];
export type ApiTokenScope = Schemas["ApiTokenCreateScopeEnum"];
export type ApiTokensRevoked = Schemas["ApiTokensRevoked"];

export type Cluster = Schemas["Cluster"];
export type ClusterChoices = Schemas["ClusterChoices"];
export type ClusterStatus = Schemas["StatusEnum"];
export type ClusterCreateRequest = Schemas["ClusterCreateRequest"];
export type ClusterExtended = Schemas["ClusterExtended"];
export type ClusterLog = Schemas["ClusterLog"];
export type Credentials = Schemas["CredentialsRequest"];
export type Registration = Schemas["RegistrationRequest"];
export type RegistrationMode = Schemas["RegistrationMode"];
export type TokenPair = Schemas["TokenPair"];
export type User = Schemas["User"];
export type WebsocketTicket = Schemas["WebsocketTicket"];
export type ApiError = Schemas["Error"];
export type ClusterPage = Omit<Schemas["PaginatedClusterList"], "results"> & { results: Cluster[] };

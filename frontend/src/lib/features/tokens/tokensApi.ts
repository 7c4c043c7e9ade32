import { createApi } from "@reduxjs/toolkit/query/react";
import { baseQueryWithReauth } from "@/lib/api/baseQuery";
import type { ApiToken, ApiTokenCreated, ApiTokenCreateRequest, ApiTokensRevoked } from "@/lib/api/types";

/** The API tokens of the signed-in user: credentials for scripts and CI (PYK8S_TOKEN). */
export const tokensApi = createApi({
  reducerPath: "tokensApi",
  baseQuery: baseQueryWithReauth,
  tagTypes: ["ApiToken"],
  endpoints: (build) => ({
    listTokens: build.query<ApiToken[], void>({
      query: () => "/tokens/",
      providesTags: ["ApiToken"],
    }),
    /** Its answer holds the secret: the caller moves it to component state and resets the request. */
    createToken: build.mutation<ApiTokenCreated, ApiTokenCreateRequest>({
      query: (body) => ({ url: "/tokens/", method: "POST", body }),
      invalidatesTags: ["ApiToken"],
    }),
    revokeToken: build.mutation<null, number>({
      query: (id) => ({ url: `/tokens/${id}/`, method: "DELETE" }),
      invalidatesTags: ["ApiToken"],
    }),
    revokeAllTokens: build.mutation<ApiTokensRevoked, void>({
      query: () => ({ url: "/tokens/revoke-all/", method: "POST" }),
      invalidatesTags: ["ApiToken"],
    }),
  }),
});

export const { useListTokensQuery, useCreateTokenMutation, useRevokeTokenMutation, useRevokeAllTokensMutation } =
  tokensApi;

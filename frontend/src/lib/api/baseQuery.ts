import {
  fetchBaseQuery,
  type BaseQueryFn,
  type FetchArgs,
  type FetchBaseQueryError,
} from "@reduxjs/toolkit/query/react";
import { type AuthState } from "@/lib/features/auth/authSlice";
import { apiUrl, refreshAccessToken } from "@/lib/features/auth/session";

const accessOf = (state: unknown) => (state as { auth: AuthState }).auth.access;

const rawBaseQuery = fetchBaseQuery({
  baseUrl: apiUrl(""),
  prepareHeaders(headers, { getState }) {
    const access = accessOf(getState());
    if (access) {
      headers.set("Authorization", `Bearer ${access}`);
    }
    return headers;
  },
});

/** fetchBaseQuery that renews an expired access token once and retries the request. */
export const baseQueryWithReauth: BaseQueryFn<string | FetchArgs, unknown, FetchBaseQueryError> = async (
  args,
  api,
  extraOptions,
) => {
  const sentWith = accessOf(api.getState());
  let result = await rawBaseQuery(args, api, extraOptions);
  if (result.error?.status !== 401 || !sentWith) {
    return result; // a 401 without a token is a wrong password, not an expired session
  }
  const current = accessOf(api.getState());
  const access = current && current !== sentWith ? current : await refreshAccessToken(api.dispatch);
  if (access) {
    result = await rawBaseQuery(args, api, extraOptions);
  }
  return result;
};

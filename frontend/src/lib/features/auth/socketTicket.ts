import type { ThunkDispatch, UnknownAction } from "@reduxjs/toolkit";
import type { RootState } from "@/lib/store";
import { authApi } from "./authApi";
import { selectAccessToken } from "./authSlice";
import { refreshAccessToken } from "./session";

// The dispatch RTK Query and the store hand out: typed for any store holding these slices.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyThunkDispatch = ThunkDispatch<any, unknown, UnknownAction>;

/**
 * A single-use ticket for one socket (POST /ws/ticket), or null when none can be had (offline,
 * or the session is over). Not tracked in the store: a ticket is used once, then worthless.
 */
export async function issueSocketTicket(dispatch: AnyThunkDispatch, getState: () => unknown): Promise<string | null> {
  // No access token (a reload keeps only the refresh token): renew it first.
  if (!selectAccessToken(getState() as RootState) && !(await refreshAccessToken(dispatch))) {
    return null;
  }
  const result = await dispatch(authApi.endpoints.websocketTicket.initiate(undefined, { track: false }));
  return "data" in result && result.data ? result.data.ticket : null;
}

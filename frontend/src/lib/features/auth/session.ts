import type { Dispatch } from "@reduxjs/toolkit";
import type { TokenPair } from "@/lib/api/types";
import { accessGranted, sessionExpired, signedOut } from "./authSlice";

// Only the refresh token survives a reload, and only in this tab (sessionStorage): the access
// token stays in memory, so nothing long-lived sits where every script on the origin can read it
// for longer than the tab lives. See "Tokens" in README.md.
const REFRESH_KEY = "pyk8s.refresh";

export function apiUrl(path: string): string {
  return `${globalThis.location?.origin ?? ""}${path}`;
}

export function storedRefreshToken(): string | null {
  return globalThis.sessionStorage?.getItem(REFRESH_KEY) ?? null;
}

let ending = false;

export function startSession(dispatch: Dispatch, tokens: TokenPair): void {
  ending = false;
  sessionStorage.setItem(REFRESH_KEY, tokens.refresh);
  dispatch(accessGranted(tokens.access));
}

/**
 * A logout is on its way: nothing may renew the session it ends. (The server closes this tab's
 * /ws with 4401 as it revokes the token, before the logout answers; renewing then would present
 * a refresh token being blacklisted.)
 */
export function sessionEnding(): void {
  ending = true;
}

export function endSession(dispatch: Dispatch): void {
  ending = false;
  sessionStorage.removeItem(REFRESH_KEY);
  dispatch(signedOut());
}

let refreshing: Promise<string | null> | null = null;

/**
 * A new access token from the stored refresh token, or null when the session is over.
 *
 * Refresh tokens rotate and the old one is blacklisted, so concurrent callers (a burst of 401s,
 * the WebSocket, React's double effects) must share one request: a second one would present an
 * already-blacklisted token and end the session.
 */
export function refreshAccessToken(dispatch: Dispatch): Promise<string | null> {
  if (ending) {
    return Promise.resolve(null);
  }
  refreshing ??= requestRefresh(dispatch).finally(() => {
    refreshing = null;
  });
  return refreshing;
}

async function requestRefresh(dispatch: Dispatch): Promise<string | null> {
  const refresh = storedRefreshToken();
  if (!refresh) {
    return null;
  }
  let response: Response;
  try {
    response = await fetch(apiUrl("/auth/token/refresh"), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh }),
    });
  } catch {
    return null; // offline: keep the session, the caller retries later
  }
  if (response.status === 400 || response.status === 401) {
    sessionStorage.removeItem(REFRESH_KEY);
    dispatch(sessionExpired());
    return null;
  }
  if (!response.ok) {
    return null; // throttled or a server hiccup: the refresh token may still be good
  }
  const tokens = (await response.json()) as TokenPair;
  startSession(dispatch, tokens);
  return tokens.access;
}

import { createSlice, type PayloadAction } from "@reduxjs/toolkit";

export type SessionStatus = "unknown" | "authenticated" | "anonymous" | "expired";

export interface AuthState {
  // The access token lives in memory only; the refresh token is in sessionStorage (session.ts).
  access: string | null;
  status: SessionStatus;
}

const initialState: AuthState = { access: null, status: "unknown" };

export const authSlice = createSlice({
  name: "auth",
  initialState,
  reducers: {
    accessGranted(state, action: PayloadAction<string>) {
      state.access = action.payload;
      state.status = "authenticated";
    },
    signedOut(state) {
      state.access = null;
      state.status = "anonymous";
    },
    sessionExpired(state) {
      state.access = null;
      state.status = "expired";
    },
  },
  selectors: {
    selectAccessToken: (state) => state.access,
    selectSessionStatus: (state) => state.status,
  },
});

export const { accessGranted, signedOut, sessionExpired } = authSlice.actions;
export const { selectAccessToken, selectSessionStatus } = authSlice.selectors;

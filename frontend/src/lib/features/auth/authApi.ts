import { createApi } from "@reduxjs/toolkit/query/react";
import { baseQueryWithReauth } from "@/lib/api/baseQuery";
import type {
  Credentials,
  Registration,
  RegistrationMode,
  TokenPair,
  User,
  WebsocketTicket,
} from "@/lib/api/types";
import { endSession, sessionEnding, startSession, storedRefreshToken } from "./session";

export const authApi = createApi({
  reducerPath: "authApi",
  baseQuery: baseQueryWithReauth,
  tagTypes: ["Me"],
  endpoints: (build) => ({
    /** Who may create an account here (PYK8S_REGISTRATION), and what to tell them. */
    registrationMode: build.query<RegistrationMode, void>({
      query: () => "/auth/registration",
    }),
    register: build.mutation<User, Registration>({
      query: (body) => ({ url: "/users/register", method: "POST", body }),
    }),
    login: build.mutation<null, Credentials>({
      // The tokens go to the session (session.ts), never into the mutation cache.
      async queryFn(body, { dispatch }, _extraOptions, baseQuery) {
        const result = await baseQuery({ url: "/auth/token", method: "POST", body });
        if (result.error) {
          return { error: result.error };
        }
        startSession(dispatch, result.data as TokenPair);
        return { data: null };
      },
    }),
    logout: build.mutation<null, void>({
      query: () => {
        const refresh = storedRefreshToken();
        sessionEnding();
        return { url: "/auth/logout", method: "POST", body: { refresh } };
      },
      async onQueryStarted(_arg, { dispatch, queryFulfilled }) {
        // Forget the session locally whatever the server says: the user asked to leave.
        await queryFulfilled.catch(() => undefined);
        endSession(dispatch);
      },
    }),
    logoutEverywhere: build.mutation<null, void>({
      query: () => {
        sessionEnding();
        return { url: "/auth/logout-all", method: "POST" };
      },
      async onQueryStarted(_arg, { dispatch, queryFulfilled }) {
        await queryFulfilled.catch(() => undefined);
        endSession(dispatch);
      },
    }),
    /** A single-use ticket that opens one /ws socket (eventStream.ts). */
    websocketTicket: build.mutation<WebsocketTicket, void>({
      query: () => ({ url: "/ws/ticket", method: "POST" }),
    }),
    me: build.query<User, void>({
      query: () => "/users/me",
      providesTags: ["Me"],
    }),
  }),
});

export const {
  useRegistrationModeQuery,
  useRegisterMutation,
  useLoginMutation,
  useLogoutMutation,
  useLogoutEverywhereMutation,
  useMeQuery,
} = authApi;

import { combineSlices, configureStore, type Middleware } from "@reduxjs/toolkit";
import { authApi } from "./features/auth/authApi";
import { authSlice, sessionExpired, signedOut } from "./features/auth/authSlice";
import { clustersApi } from "./features/clusters/clustersApi";
import { tokensApi } from "./features/tokens/tokensApi";

const rootReducer = combineSlices(authSlice, authApi, clustersApi, tokensApi);

// Whoever signs in next in this tab must never see the previous session's data.
const forgetDataWhenSessionEnds: Middleware = (store) => (next) => (action) => {
  const result = next(action);
  if (signedOut.match(action) || sessionExpired.match(action)) {
    store.dispatch(clustersApi.util.resetApiState());
    store.dispatch(tokensApi.util.resetApiState());
    store.dispatch(authApi.util.resetApiState());
  }
  return result;
};

export const makeStore = () =>
  configureStore({
    reducer: rootReducer,
    middleware: (getDefaultMiddleware) =>
      getDefaultMiddleware().concat(
        authApi.middleware,
        clustersApi.middleware,
        tokensApi.middleware,
        forgetDataWhenSessionEnds,
      ),
  });

export type AppStore = ReturnType<typeof makeStore>;
export type RootState = ReturnType<typeof rootReducer>;
export type AppDispatch = AppStore["dispatch"];

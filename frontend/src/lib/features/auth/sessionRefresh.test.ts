import { clustersApi } from "@/lib/features/clusters/clustersApi";
import { makeStore } from "@/lib/store";
import { json, mockFetch } from "@/test/fetch";
import { authApi } from "./authApi";
import { accessGranted, selectAccessToken, selectSessionStatus } from "./authSlice";
import { refreshAccessToken, storedRefreshToken } from "./session";

function signedInStore() {
  const store = makeStore();
  sessionStorage.setItem("pyk8s.refresh", "refresh-1");
  store.dispatch(accessGranted("stale-access"));
  return store;
}

test("an expired access token is renewed once and the request retried", async () => {
  const fetchSpy = mockFetch(async (request) => {
    if (request.url.endsWith("/auth/token/refresh")) {
      expect(await request.json()).toEqual({ refresh: "refresh-1" });
      return json({ access: "fresh-access", refresh: "refresh-2" });
    }
    return request.headers.get("Authorization") === "Bearer fresh-access"
      ? json({ count: 0, next: null, previous: null, results: [] })
      : json({ detail: "Token is invalid or expired", code: "token_not_valid" }, 401);
  });
  const store = signedInStore();

  const result = await store.dispatch(clustersApi.endpoints.listClusters.initiate());

  expect(result.data).toEqual([]);
  expect(selectAccessToken(store.getState())).toBe("fresh-access");
  expect(storedRefreshToken()).toBe("refresh-2");
  expect(fetchSpy).toHaveBeenCalledTimes(3);
});

test("concurrent renewals share one request, because refresh tokens rotate", async () => {
  const fetchSpy = mockFetch(() => json({ access: "fresh-access", refresh: "refresh-2" }));
  const store = signedInStore();

  const tokens = await Promise.all([refreshAccessToken(store.dispatch), refreshAccessToken(store.dispatch)]);

  expect(tokens).toEqual(["fresh-access", "fresh-access"]);
  expect(fetchSpy).toHaveBeenCalledTimes(1);
});

test("a refused refresh ends the session and forgets the cached clusters", async () => {
  mockFetch((request) =>
    request.url.endsWith("/auth/token/refresh")
      ? json({ detail: "Token is blacklisted", code: "token_not_valid" }, 401)
      : json({ detail: "Token is invalid or expired", code: "token_not_valid" }, 401),
  );
  const store = signedInStore();

  const result = await store.dispatch(clustersApi.endpoints.listClusters.initiate());

  expect(result.data).toBeUndefined();
  expect(selectSessionStatus(store.getState())).toBe("expired");
  expect(storedRefreshToken()).toBeNull();
  expect(clustersApi.endpoints.listClusters.select()(store.getState()).data).toBeUndefined();
});

test("a wrong password is not mistaken for an expired session", async () => {
  const fetchSpy = mockFetch(() => json({ detail: "Email or password is incorrect.", code: "invalid_credentials" }, 401));
  const store = makeStore();

  const result = await store.dispatch(authApi.endpoints.login.initiate({ email: "a@example.com", password: "nope" }));

  expect(result.error).toMatchObject({ status: 401 });
  expect(fetchSpy).toHaveBeenCalledTimes(1);
  expect(selectSessionStatus(store.getState())).toBe("unknown");
});

test("nothing renews a session while its logout is on the way", async () => {
  let release: () => void = () => undefined;
  const logoutAnswered = new Promise<void>((resolve) => (release = resolve));
  const fetchSpy = mockFetch(async (request) => {
    if (request.url.endsWith("/auth/logout")) {
      expect(await request.json()).toEqual({ refresh: "refresh-1" });
      await logoutAnswered;
      return new Response(null, { status: 204 });
    }
    return json({ access: "fresh-access", refresh: "refresh-2" });
  });
  const store = signedInStore();

  const logout = store.dispatch(authApi.endpoints.logout.initiate());
  await vi.waitFor(() => expect(fetchSpy).toHaveBeenCalledTimes(1));
  // Meanwhile the server closed the /ws socket with 4401, and the stream asks for a new token.
  expect(await refreshAccessToken(store.dispatch)).toBeNull();
  release();
  await logout;

  expect(fetchSpy).toHaveBeenCalledTimes(1); // the logout alone
  expect(selectSessionStatus(store.getState())).toBe("anonymous");
  expect(storedRefreshToken()).toBeNull();
});

test("logging out everywhere asks the server to end every session, then forgets this one", async () => {
  const fetchSpy = mockFetch((request) => {
    expect(request.url.endsWith("/auth/logout-all")).toBe(true);
    expect(request.method).toBe("POST");
    expect(request.headers.get("Authorization")).toBe("Bearer stale-access");
    return new Response(null, { status: 204 });
  });
  const store = signedInStore();

  await store.dispatch(authApi.endpoints.logoutEverywhere.initiate());

  expect(fetchSpy).toHaveBeenCalledTimes(1);
  expect(selectSessionStatus(store.getState())).toBe("anonymous");
  expect(storedRefreshToken()).toBeNull();
});

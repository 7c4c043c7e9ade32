import type { ApiToken, ApiTokenCreated, ApiTokenCreateRequest } from "@/lib/api/types";
import { json, mockFetch, type Handler } from "./fetch";

export function aToken(overrides: Partial<ApiToken> = {}): ApiToken {
  return {
    id: 1,
    name: "ci",
    scope: "clusters:read",
    prefix: "Ab3dE6gH",
    created_at: "2026-01-01T12:00:00Z",
    expires_at: "2026-04-01T12:00:00Z",
    expired: false,
    last_used_at: null,
    last_used_ip: null,
    ...overrides,
  };
}

export const SECRET = "pk8s_Nw9xYz12_s3cr3t-value-shown-once";

/**
 * A server holding `tokens` that lists, creates, revokes and revokes all as the API does;
 * `onCreate` may answer a create instead (an error, say). Returns the fetch spy.
 */
export function serveTokens(tokens: ApiToken[], onCreate?: Handler) {
  let nextId = Math.max(0, ...tokens.map(({ id }) => id)) + 1;
  return mockFetch(async (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/tokens/" && request.method === "GET") {
      return json(tokens);
    }
    if (path === "/tokens/" && request.method === "POST") {
      if (onCreate) return onCreate(request);
      const body = (await request.clone().json()) as ApiTokenCreateRequest;
      const token = aToken({ id: nextId++, name: body.name, scope: body.scope, prefix: "Nw9xYz12" });
      tokens = [token, ...tokens];
      return json({ ...token, token: SECRET } satisfies ApiTokenCreated, 201);
    }
    if (path === "/tokens/revoke-all/" && request.method === "POST") {
      const revoked = tokens.length;
      tokens = [];
      return json({ revoked });
    }
    const revoked = /^\/tokens\/(\d+)\/$/.exec(path);
    if (revoked && request.method === "DELETE") {
      tokens = tokens.filter(({ id }) => id !== Number(revoked[1]));
      return new Response(null, { status: 204 });
    }
    return json({ detail: "Not found.", code: "not_found" }, 404);
  });
}

/** The requests sent with `method` to `path`. */
export const requestsTo = (spy: ReturnType<typeof mockFetch>, method: string, path: string) =>
  spy.mock.calls
    .map(([input]) => input as Request)
    .filter((request) => request.method === method && new URL(request.url).pathname === path);

import { vi } from "vitest";

export type Handler = (request: Request) => Response | Promise<Response>;

/** Replaces fetch with `handler` and returns the spy, to see what was sent. */
export function mockFetch(handler: Handler) {
  const spy = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    return handler(request);
  });
  vi.stubGlobal("fetch", spy);
  return spy;
}

export const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

import { openEventStream, secondsToExpiry, socketUrl, TOKEN_EXPIRED_CLOSE_CODE } from "./eventStream";

class FakeSocket {
  onopen: (() => void) | null = null;
  onmessage: ((message: { data: unknown }) => void) | null = null;
  onclose: ((close: { code: number }) => void) | null = null;
  closed = false;
  constructor(readonly url: string) {}
  close() {
    this.closed = true;
  }
}

function tokenExpiringIn(seconds: number): string {
  const payload = btoa(JSON.stringify({ exp: Date.now() / 1000 + seconds }));
  return `header.${payload}.signature`;
}

function harness(initialToken: string, renewed: string | null = "renewed") {
  const sockets: FakeSocket[] = [];
  let token: string | null = initialToken;
  const calls = { opens: 0, refreshes: 0, events: [] as unknown[], states: [] as string[] };
  const stream = openEventStream({
    accessToken: () => token,
    refreshAccessToken: async () => {
      calls.refreshes += 1;
      token = renewed;
      return renewed;
    },
    onEvent: (event) => calls.events.push(event),
    onConnection: (state) => calls.states.push(state),
    onOpen: () => {
      calls.opens += 1;
    },
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket as unknown as WebSocket;
    },
  });
  return { sockets, calls, stream };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

test("it connects to /ws on the page's host with the access token", () => {
  expect(socketUrl({ protocol: "https:", host: "lab.example.com" }, "a b")).toBe("wss://lab.example.com/ws?token=a%20b");
  const { sockets } = harness("tok");
  expect(sockets[0]!.url).toBe(`ws://${window.location.host}/ws?token=tok`);
});

test("it forwards known events and ignores anything else", () => {
  const { sockets, calls } = harness("tok");
  sockets[0]!.onopen!();
  const event = { type: "cluster.log", cluster_id: "c1", lines: ["hi"] };
  sockets[0]!.onmessage!({ data: JSON.stringify(event) });
  sockets[0]!.onmessage!({ data: "not json" });
  sockets[0]!.onmessage!({ data: JSON.stringify({ type: "something.else" }) });
  expect(calls.events).toEqual([event]);
  expect(calls.states).toEqual(["connecting", "live"]);
});

test("it reconnects with growing delays and catches up on every open", async () => {
  const { sockets, calls } = harness(tokenExpiringIn(600));
  sockets[0]!.onopen!();
  expect(calls.opens).toBe(1);

  sockets[0]!.onclose!({ code: 1006 });
  expect(calls.states.at(-1)).toBe("reconnecting");
  await vi.advanceTimersByTimeAsync(999);
  expect(sockets).toHaveLength(1);
  await vi.advanceTimersByTimeAsync(1);
  expect(sockets).toHaveLength(2);

  sockets[1]!.onclose!({ code: 1006 }); // refused again before opening: wait twice as long
  await vi.advanceTimersByTimeAsync(1999);
  expect(sockets).toHaveLength(2);
  await vi.advanceTimersByTimeAsync(1);
  expect(sockets).toHaveLength(3);

  sockets[2]!.onopen!();
  expect(calls.opens).toBe(2);
  expect(calls.refreshes).toBe(0);
});

test("when the server says the token expired it renews the token and reconnects at once", async () => {
  const { sockets, calls } = harness(tokenExpiringIn(600));
  sockets[0]!.onopen!();

  sockets[0]!.onclose!({ code: TOKEN_EXPIRED_CLOSE_CODE });
  await vi.advanceTimersByTimeAsync(0);

  expect(calls.refreshes).toBe(1);
  expect(sockets[1]!.url).toContain("token=renewed");
});

test("a refused handshake with a token about to expire renews it", async () => {
  const { sockets, calls } = harness(tokenExpiringIn(5));
  sockets[0]!.onclose!({ code: 1006 });
  await vi.advanceTimersByTimeAsync(0);
  expect(calls.refreshes).toBe(1);
  expect(sockets[1]!.url).toContain("token=renewed");
});

test("closing it stops reconnecting", async () => {
  const { sockets, stream } = harness("tok");
  stream.close();
  sockets[0]!.onclose!({ code: 1000 });
  await vi.advanceTimersByTimeAsync(60_000);
  expect(sockets).toHaveLength(1);
  expect(sockets[0]!.closed).toBe(true);
});

test("it reads the expiry from the token's payload", () => {
  expect(secondsToExpiry(tokenExpiringIn(120))).toBeCloseTo(120, 0);
  expect(secondsToExpiry("garbage")).toBe(0);
});

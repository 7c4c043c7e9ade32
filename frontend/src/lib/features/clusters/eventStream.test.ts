import { openEventStream, socketUrl, TOKEN_EXPIRED_CLOSE_CODE } from "./eventStream";

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

function harness({ renewed = "renewed" as string | null, tickets = true } = {}) {
  const sockets: FakeSocket[] = [];
  const calls = { opens: 0, refreshes: 0, tickets: 0, events: [] as unknown[], states: [] as string[] };
  const stream = openEventStream({
    ticket: async () => {
      calls.tickets += 1;
      return tickets ? `ticket-${calls.tickets}` : null;
    },
    refreshAccessToken: async () => {
      calls.refreshes += 1;
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

/** A harness whose first socket is being opened. */
async function connecting(options?: Parameters<typeof harness>[0]) {
  const opened = harness(options);
  await vi.advanceTimersByTimeAsync(0);
  return opened;
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

test("it connects to /ws on the page's host with a ticket, never a token", async () => {
  expect(socketUrl({ protocol: "https:", host: "lab.example.com" }, "a b")).toBe("wss://lab.example.com/ws?ticket=a%20b");
  const { sockets } = await connecting();
  expect(sockets[0]!.url).toBe(`ws://${window.location.host}/ws?ticket=ticket-1`);
});

test("every connection gets a new ticket", async () => {
  const { sockets } = await connecting();
  sockets[0]!.onclose!({ code: 1006 });
  await vi.advanceTimersByTimeAsync(1000);
  expect(sockets[1]!.url).toContain("ticket=ticket-2");
});

test("without a ticket it tries again later", async () => {
  const { sockets, calls } = await connecting({ tickets: false });
  expect(sockets).toHaveLength(0);
  await vi.advanceTimersByTimeAsync(1000);
  expect(calls.tickets).toBe(2);
});

test("it forwards known events and ignores anything else", async () => {
  const { sockets, calls } = await connecting();
  sockets[0]!.onopen!();
  const event = { type: "cluster.log", cluster_id: "c1", lines: ["hi"] };
  sockets[0]!.onmessage!({ data: JSON.stringify(event) });
  sockets[0]!.onmessage!({ data: "not json" });
  sockets[0]!.onmessage!({ data: JSON.stringify({ type: "something.else" }) });
  expect(calls.events).toEqual([event]);
  expect(calls.states).toEqual(["connecting", "live"]);
});

test("it reconnects with growing delays and catches up on every open", async () => {
  const { sockets, calls } = await connecting();
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
  const { sockets, calls } = await connecting();
  sockets[0]!.onopen!();

  sockets[0]!.onclose!({ code: TOKEN_EXPIRED_CLOSE_CODE });
  await vi.advanceTimersByTimeAsync(0);

  expect(calls.refreshes).toBe(1);
  expect(sockets[1]!.url).toContain("ticket=ticket-2");
});

test("a socket refused with 4401 before it opened renews the token, then waits", async () => {
  const { sockets, calls } = await connecting();
  sockets[0]!.onclose!({ code: TOKEN_EXPIRED_CLOSE_CODE });
  await vi.advanceTimersByTimeAsync(0);
  expect(calls.refreshes).toBe(1);
  expect(sockets).toHaveLength(1);
  await vi.advanceTimersByTimeAsync(1000);
  expect(sockets).toHaveLength(2);
});

test("closing it stops reconnecting", async () => {
  const { sockets, stream } = await connecting();
  stream.close();
  sockets[0]!.onclose!({ code: 1000 });
  await vi.advanceTimersByTimeAsync(60_000);
  expect(sockets).toHaveLength(1);
  expect(sockets[0]!.closed).toBe(true);
});

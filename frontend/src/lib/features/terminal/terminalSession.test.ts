import { describeEnd, openTerminalSession, terminalUrl, type SessionEnd } from "./terminalSession";

class FakeSocket {
  static OPEN = 1;
  readyState = 0;
  binaryType = "blob";
  sent: (string | Uint8Array)[] = [];
  closed = false;
  onopen: (() => void) | null = null;
  onmessage: ((message: MessageEvent) => void) | null = null;
  onclose: ((close: CloseEvent) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string | Uint8Array) {
    this.sent.push(data);
  }
  close() {
    this.closed = true;
  }
  open() {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }
  receive(data: string | ArrayBuffer) {
    this.onmessage?.({ data } as MessageEvent);
  }
  end(code: number) {
    this.readyState = 3;
    this.onclose?.({ code } as CloseEvent);
  }
}

function session() {
  const written: string[] = [];
  let typed: (data: string) => void = () => undefined;
  const ends: SessionEnd[] = [];
  let socket!: FakeSocket;
  const handle = openTerminalSession({
    url: "ws://lab/ws/clusters/c1/terminal?ticket=t",
    screen: {
      write: (data) => written.push(new TextDecoder().decode(data)),
      onData: (listener) => {
        typed = listener;
        return { dispose: () => (typed = () => undefined) };
      },
    },
    onOpen: () => undefined,
    onEnd: (end) => ends.push(end),
    createSocket: (url) => (socket = new FakeSocket(url)) as unknown as WebSocket,
  });
  return { handle, socket, written, ends, type: (data: string) => typed(data) };
}

beforeAll(() => {
  vi.stubGlobal("WebSocket", FakeSocket);
});

test("the shell's bytes reach the screen and keystrokes go out as bytes", () => {
  const { socket, written, type } = session();
  socket.open();

  socket.receive(new TextEncoder().encode("learner@lab:~$ ").buffer as ArrayBuffer);
  type("ls\r");

  expect(socket.binaryType).toBe("arraybuffer");
  expect(written).toEqual(["learner@lab:~$ "]);
  expect(socket.sent).toEqual([new TextEncoder().encode("ls\r")]);
});

test("a resize is sent as a control message, only once the socket is open", () => {
  const { handle, socket } = session();
  handle.resize(100, 30);
  socket.open();
  handle.resize(120, 40);

  expect(socket.sent).toEqual([JSON.stringify({ type: "resize", cols: 120, rows: 40 })]);
});

test("the shell's exit code ends the session once, whatever the close that follows", () => {
  const { socket, ends } = session();
  socket.open();

  socket.receive(JSON.stringify({ type: "exit", code: 3 }));
  socket.end(1000);

  expect(ends).toEqual([{ kind: "exit", code: 3 }]);
  expect(describeEnd(ends[0]!)).toBe("The shell exited (code 3).");
});

test("a refusal shows the server's message", () => {
  const { socket, ends } = session();
  const message = "the terminal is not available on this deployment: no terminal image is configured";

  socket.receive(JSON.stringify({ type: "error", message }));
  socket.end(4409);

  expect(ends.map(describeEnd)).toEqual([message]);
});

test("another user's cluster reads as a missing one, and a dropped line says so", () => {
  expect(describeEnd({ kind: "closed", code: 4404 })).toBe("Cluster not found.");
  expect(describeEnd({ kind: "closed", code: 1006 })).toBe("The connection to the terminal was lost.");
});

test("closing the panel closes the socket and stops sending keystrokes", () => {
  const { handle, socket, type } = session();
  socket.open();

  handle.close();
  type("x");

  expect(socket.closed).toBe(true);
  expect(socket.sent).toEqual([]);
});

test("the socket URL carries the ticket and the initial size, never a token", () => {
  const url = terminalUrl({ protocol: "https:", host: "lab.example" }, "c1", "tk", { cols: 90, rows: 20 });

  expect(url).toBe("wss://lab.example/ws/clusters/c1/terminal?ticket=tk&cols=90&rows=20");
});

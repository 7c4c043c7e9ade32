import { parseClusterEvent, type ClusterEvent, type ConnectionState } from "./events";

/** Closed by the server when the access token expires or is revoked, or the ticket is bad. */
export const TOKEN_EXPIRED_CLOSE_CODE = 4401;
const MAX_BACKOFF_MS = 30_000;

export interface EventStreamOptions {
  /**
   * A single-use ticket for one socket (POST /ws/ticket), or null when none could be had
   * (offline, or the session is over). Tickets keep tokens out of URLs, and so out of logs.
   */
  ticket(): Promise<string | null>;
  /** A fresh access token, or null when the session is over. */
  refreshAccessToken(): Promise<string | null>;
  onEvent(event: ClusterEvent): void;
  onConnection(state: ConnectionState): void;
  /** Called on every open: events sent while disconnected are lost, so refetch what they changed. */
  onOpen(): void;
  createSocket?(url: string): WebSocket;
}

export function socketUrl(location: Pick<Location, "protocol" | "host">, ticket: string): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws?ticket=${encodeURIComponent(ticket)}`;
}

/** Keeps one /ws connection open, reconnecting with backoff and renewing the token when needed. */
export function openEventStream(options: EventStreamOptions): { close(): void } {
  const createSocket = options.createSocket ?? ((url: string) => new WebSocket(url));
  let socket: WebSocket | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let backoffMs = 1000;
  let stopped = false;

  const connect = (ticket: string) => {
    let opened = false;
    socket = createSocket(socketUrl(window.location, ticket));
    socket.onopen = () => {
      opened = true;
      backoffMs = 1000;
      options.onConnection("live");
      options.onOpen();
    };
    socket.onmessage = (message: MessageEvent) => {
      const event = parseClusterEvent(message.data);
      if (event) {
        options.onEvent(event);
      }
    };
    socket.onclose = (close: CloseEvent) => {
      if (stopped) {
        return;
      }
      options.onConnection("reconnecting");
      if (close.code === TOKEN_EXPIRED_CLOSE_CODE) {
        void renewAndStart(opened);
      } else {
        scheduleRetry();
      }
    };
  };

  const scheduleRetry = () => {
    retryTimer = setTimeout(() => void start(), backoffMs);
    backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
  };

  const renewAndStart = async (wasOpen: boolean) => {
    const token = await options.refreshAccessToken();
    if (stopped) {
      return;
    }
    // A socket that was open closed as its token expired: reconnect at once. One refused at
    // once (its ticket was no good) waits, so that a fault never becomes a tight loop.
    if (token && wasOpen) {
      void start();
    } else {
      scheduleRetry();
    }
  };

  const start = async () => {
    const ticket = await options.ticket();
    if (stopped) {
      return;
    }
    if (ticket) {
      connect(ticket);
    } else {
      scheduleRetry();
    }
  };

  options.onConnection("connecting");
  void start();
  return {
    close() {
      stopped = true;
      clearTimeout(retryTimer);
      socket?.close();
    },
  };
}

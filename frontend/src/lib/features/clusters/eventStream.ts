import { parseClusterEvent, type ClusterEvent, type ConnectionState } from "./events";

/** Closed by the server when the access token expires or is revoked (see the API contract). */
export const TOKEN_EXPIRED_CLOSE_CODE = 4401;
const MAX_BACKOFF_MS = 30_000;

export interface EventStreamOptions {
  accessToken(): string | null;
  /** A fresh access token, or null when the session is over (then the stream stops). */
  refreshAccessToken(): Promise<string | null>;
  onEvent(event: ClusterEvent): void;
  onConnection(state: ConnectionState): void;
  /** Called on every open: events sent while disconnected are lost, so refetch what they changed. */
  onOpen(): void;
  createSocket?(url: string): WebSocket;
}

export function socketUrl(location: Pick<Location, "protocol" | "host">, token: string): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws?token=${encodeURIComponent(token)}`;
}

/** Seconds before `token` expires, from its payload (the signature is the server's business). */
export function secondsToExpiry(token: string, now = Date.now()): number {
  try {
    const payload = JSON.parse(atob(token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as {
      exp?: number;
    };
    return typeof payload.exp === "number" ? payload.exp - now / 1000 : 0;
  } catch {
    return 0;
  }
}

/** Keeps one /ws connection open, reconnecting with backoff and renewing the token when needed. */
export function openEventStream(options: EventStreamOptions): { close(): void } {
  const createSocket = options.createSocket ?? ((url: string) => new WebSocket(url));
  let socket: WebSocket | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let backoffMs = 1000;
  let stopped = false;

  const connect = (token: string) => {
    let opened = false;
    socket = createSocket(socketUrl(window.location, token));
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
      // A refused handshake gives no reason: suspect the token only when it is about to expire.
      const tokenSuspect =
        close.code === TOKEN_EXPIRED_CLOSE_CODE || (!opened && secondsToExpiry(token) < 30);
      if (tokenSuspect) {
        void renewAndConnect();
      } else {
        scheduleRetry();
      }
    };
  };

  const scheduleRetry = () => {
    retryTimer = setTimeout(start, backoffMs);
    backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
  };

  const renewAndConnect = async () => {
    const token = await options.refreshAccessToken();
    if (stopped) {
      return;
    }
    if (token) {
      connect(token);
    } else {
      scheduleRetry();
    }
  };

  const start = () => {
    const token = options.accessToken();
    if (token) {
      connect(token);
    } else {
      void renewAndConnect();
    }
  };

  options.onConnection("connecting");
  start();
  return {
    close() {
      stopped = true;
      clearTimeout(retryTimer);
      socket?.close();
    },
  };
}

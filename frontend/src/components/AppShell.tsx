"use client";

import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import type { ReactNode } from "react";
import { useLogoutEverywhereMutation, useLogoutMutation, useMeQuery } from "@/lib/features/auth/authApi";
import { useClusterEventsQuery } from "@/lib/features/clusters/clustersApi";
import type { ConnectionState } from "@/lib/features/clusters/events";
import { ExpiryBanner } from "./ExpiryBanner";
import { RequireSession } from "./RequireSession";
import styles from "./AppShell.module.css";

const CONNECTION_LABELS: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
};

/** The signed-in frame: header, live-connection indicator, expiry warnings, then the page. */
export function AppShell({ children }: { children: ReactNode }) {
  return (
    <>
      <a className={styles.skip} href="#main">
        Skip to content
      </a>
      <RequireSession>
        <Header />
        <main id="main" className={styles.main}>
          <ExpiryBanner />
          {children}
        </main>
      </RequireSession>
    </>
  );
}

function Header() {
  const { data: me } = useMeQuery();
  const { data: events } = useClusterEventsQuery();
  const [logout, { isLoading: loggingOut }] = useLogoutMutation();
  const [logoutEverywhere, { isLoading: loggingOutEverywhere }] = useLogoutEverywhereMutation();
  const router = useRouter();
  const pathname = usePathname();
  const connection = events?.connection ?? "connecting";
  const live = connection === "live";

  const onLogout = async () => {
    await logout();
    router.replace("/login/");
  };

  const onLogoutEverywhere = async () => {
    await logoutEverywhere();
    router.replace("/login/");
  };

  return (
    <header className={styles.header}>
      <div className={styles.bar}>
        <Link href="/" className={styles.brand}>
          PyK8s-Lab
        </Link>
        <span className={`${styles.connection} ${live ? styles.live : ""}`} role="status">
          <span className={styles.dot} aria-hidden="true" />
          {CONNECTION_LABELS[connection]}
        </span>
        <div className={styles.account}>
          <Link
            href="/api-tokens/"
            className={styles.navLink}
            aria-current={pathname.startsWith("/api-tokens") ? "page" : undefined}
          >
            API tokens
          </Link>
          {me && <span className={styles.email}>{me.email}</span>}
          <button type="button" className="button" onClick={onLogout} disabled={loggingOut || loggingOutEverywhere}>
            Log out
          </button>
          <button
            type="button"
            className="button"
            onClick={onLogoutEverywhere}
            disabled={loggingOut || loggingOutEverywhere}
            title="End every session of this account: other browsers, the CLI and open watches"
          >
            Log out everywhere
          </button>
        </div>
      </div>
    </header>
  );
}

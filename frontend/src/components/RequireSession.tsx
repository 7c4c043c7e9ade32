"use client";

import { useEffect, useState, type ReactNode } from "react";
import { useRouter } from "next/navigation";
import { selectSessionStatus, signedOut } from "@/lib/features/auth/authSlice";
import { refreshAccessToken, storedRefreshToken } from "@/lib/features/auth/session";
import { useAppDispatch, useAppSelector } from "@/lib/hooks";

export function loginUrlReturningHere(location: Pick<Location, "pathname" | "search">): string {
  return `/login/?next=${encodeURIComponent(location.pathname + location.search)}`;
}

/** Renders its children only with a session: restores it after a reload, or sends to login. */
export function RequireSession({ children }: { children: ReactNode }) {
  const status = useAppSelector(selectSessionStatus);
  const dispatch = useAppDispatch();
  const router = useRouter();
  const [unreachable, setUnreachable] = useState(false);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (status !== "unknown") {
      return;
    }
    if (!storedRefreshToken()) {
      dispatch(signedOut());
      return;
    }
    void refreshAccessToken(dispatch).then((access) => setUnreachable(access === null));
  }, [status, dispatch, attempt]);

  useEffect(() => {
    if (status === "anonymous" || status === "expired") {
      router.replace(loginUrlReturningHere(window.location));
    }
  }, [status, router]);

  if (status === "authenticated") {
    return children;
  }
  if (unreachable && status === "unknown") {
    return (
      <div className="card stack" role="alert">
        <p>Cannot reach PyK8s-Lab to restore your session.</p>
        <button type="button" className="button" onClick={() => {
            setUnreachable(false);
            setAttempt(attempt + 1);
          }}>
          Try again
        </button>
      </div>
    );
  }
  return (
    <p className="muted" role="status">
      Loading…
    </p>
  );
}

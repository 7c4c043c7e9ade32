"use client";

import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useState, useSyncExternalStore, type FormEvent } from "react";
import { errorMessage, fieldErrors } from "@/lib/api/errors";
import { useLoginMutation, useRegisterMutation, useRegistrationModeQuery } from "@/lib/features/auth/authApi";
import { selectSessionStatus } from "@/lib/features/auth/authSlice";
import { useAppSelector } from "@/lib/hooks";
import { FormField } from "./FormField";
import styles from "./AuthForm.module.css";

/**
 * Where to go after logging in: only a path on this site, so ?next= cannot send users away.
 * Resolved the way the browser will resolve it (which drops tabs and newlines and reads "\\" as
 * "/"), rather than checked as text, so what is checked is what is followed.
 */
export function safeNext(next: string | null): string {
  if (!next) {
    return "/";
  }
  let url: URL;
  try {
    url = new URL(next, window.location.origin);
  } catch {
    return "/";
  }
  // A path starting with "//" would be read as another host when navigated to.
  if (url.origin !== window.location.origin || url.pathname.startsWith("//")) {
    return "/";
  }
  return `${url.pathname}${url.search}${url.hash}`;
}

/**
 * The token of an invite link staff sent (/register/#invite=...). It travels in the fragment,
 * which browsers never send: no server, proxy or ingress log ever holds it.
 */
function inviteInLink(): string {
  return new URLSearchParams(window.location.hash.slice(1)).get("invite") ?? "";
}

function onHashChange(changed: () => void): () => void {
  window.addEventListener("hashchange", changed);
  return () => window.removeEventListener("hashchange", changed);
}

export function AuthForm({ mode }: { mode: "login" | "register" }) {
  const router = useRouter();
  const searchParams = useSearchParams();
  const next = safeNext(searchParams.get("next"));
  const invite = useSyncExternalStore(onHashChange, inviteInLink, () => "");
  const isLogin = mode === "login";
  const registration = useRegistrationModeQuery(undefined, { skip: isLogin }).data;
  const expired = useAppSelector(selectSessionStatus) === "expired";
  const [login, loginState] = useLoginMutation();
  const [register, registerState] = useRegisterMutation();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");

  const error = registerState.error ?? loginState.error;
  const errors = fieldErrors(error);
  const busy = loginState.isLoading || registerState.isLoading;
  // Closed, or by invitation without one: say so instead of a form that can only fail.
  const refused =
    !isLogin && (registration?.mode === "closed" || (registration?.mode === "invite" && !invite));

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (!isLogin) {
      const registered = await register({ email, password, ...(invite ? { invite } : {}) });
      if (registered.error) {
        return;
      }
    }
    const loggedIn = await login({ email, password });
    if (!loggedIn.error) {
      router.replace(next);
    }
  };

  const query = next === "/" ? "" : `?next=${encodeURIComponent(next)}`;
  return (
    <main className={styles.page}>
      <form className={`card ${styles.form}`} onSubmit={onSubmit} noValidate aria-labelledby="auth-title">
        <p className={styles.brand}>PyK8s-Lab</p>
        <h1 id="auth-title">{isLogin ? "Log in" : "Create your account"}</h1>
        {isLogin && expired && (
          <p className="alert alert-info" role="status">
            Your session has expired. Log in again to continue.
          </p>
        )}
        {!isLogin && registration && registration.mode !== "open" && (
          <p className={`alert ${refused ? "alert-error" : "alert-info"}`} role="status">
            {registration.mode === "invite" && invite
              ? "You are registering with an invite: it works once."
              : registration.message}
          </p>
        )}
        {!refused && (
          <>
            <FormField id="email" label="Email" error={errors.email}>
              {(control) => (
                <input
                  {...control}
                  type="email"
                  name="email"
                  autoComplete="email"
                  value={email}
                  onChange={(event) => setEmail(event.target.value)}
                  required
                />
              )}
            </FormField>
            <FormField
              id="password"
              label="Password"
              error={errors.password}
              hint={isLogin ? undefined : "At least 8 characters, not only digits, not a common password."}
            >
              {(control) => (
                <input
                  {...control}
                  type="password"
                  name="password"
                  autoComplete={isLogin ? "current-password" : "new-password"}
                  value={password}
                  onChange={(event) => setPassword(event.target.value)}
                  required
                />
              )}
            </FormField>
            {errorMessage(error) && (
              <p className="alert alert-error" role="alert">
                {errorMessage(error)}
              </p>
            )}
            <button type="submit" className="button button-primary" disabled={busy}>
              {busy ? "Please wait…" : isLogin ? "Log in" : "Create account"}
            </button>
          </>
        )}
        <p className="muted">
          {isLogin ? (
            <>
              New here? <Link href={`/register/${query}`}>Create an account</Link>
            </>
          ) : (
            <>
              Already have an account? <Link href={`/login/${query}`}>Log in</Link>
            </>
          )}
        </p>
      </form>
    </main>
  );
}

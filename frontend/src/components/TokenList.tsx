"use client";

import { useState } from "react";
import { describeError, errorMessage } from "@/lib/api/errors";
import type { ApiToken } from "@/lib/api/types";
import { useListTokensQuery, useRevokeAllTokensMutation, useRevokeTokenMutation } from "@/lib/features/tokens/tokensApi";
import { ConfirmDialog } from "./ConfirmDialog";
import styles from "./TokenList.module.css";

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export const formatDate = (value: string) => dateFormat.format(new Date(value));

function expiryLabel(token: ApiToken): string {
  if (token.expired) return "expired";
  return token.expires_at ? formatDate(token.expires_at) : "never";
}

// One dialog for both actions: ConfirmDialog's ids are fixed, so two on a page would clash.
type Confirming = { token: ApiToken } | "all" | null;

export function TokenList() {
  const { data: tokens, isLoading, error, refetch } = useListTokensQuery();
  const [revoke, revocation] = useRevokeTokenMutation();
  const [revokeAll, revocationOfAll] = useRevokeAllTokensMutation();
  const [confirming, setConfirming] = useState<Confirming>(null);
  const busy = revocation.isLoading || revocationOfAll.isLoading;
  const actionError = describeError(revocation.error ?? revocationOfAll.error);

  const onConfirm = () => {
    setConfirming(null);
    if (confirming === "all") {
      revocation.reset();
      revokeAll();
    } else if (confirming) {
      revocationOfAll.reset();
      revoke(confirming.token.id);
    }
  };

  return (
    <section className="card" aria-labelledby="tokens-title" aria-busy={isLoading}>
      <div className={styles.heading}>
        <h2 id="tokens-title">Your tokens</h2>
        {tokens && tokens.length > 0 && (
          <button type="button" className="button button-danger" onClick={() => setConfirming("all")} disabled={busy}>
            Revoke all
          </button>
        )}
      </div>
      {isLoading ? (
        <p className="muted" role="status">
          Loading tokens…
        </p>
      ) : error ? (
        <div className="alert alert-error" role="alert">
          <p>{errorMessage(error) ?? "Your tokens could not be loaded."}</p>
          <button type="button" className="button" onClick={refetch}>
            Try again
          </button>
        </div>
      ) : !tokens || tokens.length === 0 ? (
        <p className={styles.empty}>No tokens yet.</p>
      ) : (
        <div className={styles.scroll}>
          <table className={styles.table}>
            <caption className="visually-hidden">Your API tokens</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Scope</th>
                <th scope="col">Prefix</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">From</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((token) => (
                <TokenRow key={token.id} token={token} onRevoke={() => setConfirming({ token })} disabled={busy} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {actionError && (
        <p className="field-error" role="alert">
          {actionError}
        </p>
      )}
      <ConfirmDialog
        open={confirming !== null}
        title={confirming === "all" ? "Revoke all tokens?" : `Revoke ${confirming?.token.name ?? "token"}?`}
        message={
          confirming === "all"
            ? `Your ${tokens?.length ?? 0} tokens stop working at once, and whatever uses them with them.`
            : "Whatever uses this token stops working at once. This cannot be undone."
        }
        confirmLabel={confirming === "all" ? "Revoke all" : "Revoke"}
        onConfirm={onConfirm}
        onCancel={() => setConfirming(null)}
      />
    </section>
  );
}

function TokenRow({ token, onRevoke, disabled }: { token: ApiToken; onRevoke(): void; disabled: boolean }) {
  return (
    <tr>
      <th scope="row" className={styles.name}>
        {token.name}
      </th>
      <td>{token.scope}</td>
      <td>
        <code>pk8s_{token.prefix}…</code>
      </td>
      <td>
        <time dateTime={token.created_at}>{formatDate(token.created_at)}</time>
      </td>
      <td className={token.expired ? styles.expired : undefined}>
        {token.expires_at && !token.expired ? (
          <time dateTime={token.expires_at}>{expiryLabel(token)}</time>
        ) : (
          expiryLabel(token)
        )}
      </td>
      <td>
        {token.last_used_at ? (
          <time dateTime={token.last_used_at}>{dateTimeFormat.format(new Date(token.last_used_at))}</time>
        ) : (
          "never"
        )}
      </td>
      <td>{token.last_used_ip ?? "—"}</td>
      <td className={styles.actions}>
        <button
          type="button"
          className="button"
          onClick={onRevoke}
          disabled={disabled}
          aria-label={`Revoke token ${token.name}`}
        >
          Revoke
        </button>
      </td>
    </tr>
  );
}

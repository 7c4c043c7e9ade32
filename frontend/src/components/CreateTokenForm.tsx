"use client";

import { useEffect, useRef, useState, type FormEvent } from "react";
import { fieldErrors, formError } from "@/lib/api/errors";
import type { ApiTokenCreated, ApiTokenScope } from "@/lib/api/types";
import { useCreateTokenMutation } from "@/lib/features/tokens/tokensApi";
import { FormField } from "./FormField";
import styles from "./CreateTokenForm.module.css";

const SCOPES: ApiTokenScope[] = ["clusters:read", "clusters:write"];
// Lifetimes offered. "The longest allowed" sends no expiry: the server gives its maximum
// (PYK8S_API_TOKEN_MAX_DAYS), whatever the operator set it to.
const LONGEST = "longest";
const LIFETIMES = [
  { value: LONGEST, label: "The longest allowed" },
  { value: "30", label: "30 days" },
  { value: "7", label: "7 days" },
];
const FIELDS = ["name", "scope", "expires_at"];
const DAY_MS = 24 * 60 * 60 * 1000;

function expiresAt(days: number, now = Date.now()): string {
  return new Date(now + days * DAY_MS).toISOString();
}

export function CreateTokenForm() {
  const [create, { isLoading, error }] = useCreateTokenMutation();
  const [name, setName] = useState("");
  const [scope, setScope] = useState<ApiTokenScope>("clusters:read");
  const [days, setDays] = useState(LONGEST);
  const [created, setCreated] = useState<ApiTokenCreated | null>(null);
  const nameInput = useRef<HTMLInputElement>(null);

  const errors = fieldErrors(error);
  const otherErrors = formError(error, FIELDS);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setCreated(null);
    const lifetime = days === LONGEST ? {} : { expires_at: expiresAt(Number(days)) };
    const request = create({ name, scope, ...lifetime });
    const result = await request;
    if (result.data) {
      // Out of the store at once: the secret stays in this component only, until Done.
      request.reset();
      setCreated(result.data);
      setName("");
    }
  };

  return (
    <>
      <form className={`card ${styles.form}`} onSubmit={onSubmit} noValidate aria-labelledby="create-token-title">
        <h2 id="create-token-title">Create a token</h2>
        <div className={styles.grid}>
          <FormField
            id="token-name"
            label="Name"
            error={errors.name}
            hint="Unique among your tokens, e.g. the pipeline that uses it; up to 64 characters."
          >
            {(control) => (
              <input
                {...control}
                ref={nameInput}
                name="name"
                value={name}
                onChange={(event) => setName(event.target.value)}
                autoComplete="off"
                spellCheck={false}
                required
              />
            )}
          </FormField>
          <FormField id="token-scope" label="Scope" error={errors.scope}>
            {(control) => (
              <select
                {...control}
                name="scope"
                value={scope}
                onChange={(event) => setScope(event.target.value as ApiTokenScope)}
              >
                {SCOPES.map((candidate) => (
                  <option key={candidate} value={candidate}>
                    {candidate}
                  </option>
                ))}
              </select>
            )}
          </FormField>
          <FormField id="token-expires" label="Expires" error={errors.expires_at}>
            {(control) => (
              <select {...control} name="expires" value={days} onChange={(event) => setDays(event.target.value)}>
                {LIFETIMES.map(({ value, label }) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
            )}
          </FormField>
        </div>
        {otherErrors && (
          <p className="alert alert-error" role="alert">
            {otherErrors}
          </p>
        )}
        <div>
          <button type="submit" className="button button-primary" disabled={isLoading}>
            {isLoading ? "Creating…" : "Create token"}
          </button>
        </div>
      </form>
      {created && (
        <NewTokenSecret
          key={created.id}
          token={created}
          onDone={() => {
            setCreated(null);
            nameInput.current?.focus();
          }}
        />
      )}
    </>
  );
}

function NewTokenSecret({ token, onDone }: { token: ApiTokenCreated; onDone(): void }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  const box = useRef<HTMLElement>(null);
  // Taken there at once: what matters now is this secret, and it is gone after Done.
  useEffect(() => box.current?.focus(), []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(token.token);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <section
      ref={box}
      tabIndex={-1}
      className={`alert alert-warning ${styles.secret}`}
      aria-labelledby="new-token-title"
    >
      <h2 id="new-token-title">Your new token {token.name}</h2>
      <p>
        <strong>Copy it now: it is not shown again.</strong>
      </p>
      <div className={styles.value}>
        <code>{token.token}</code>
        <button type="button" className="button" onClick={copy} aria-label={`Copy token ${token.name}`}>
          Copy
        </button>
      </div>
      <p role="status">
        {copied === true && "Copied to the clipboard."}
        {copied === false && "The browser did not allow copying: select the token and copy it by hand."}
      </p>
      <div>
        <button type="button" className="button" onClick={onDone}>
          Done
        </button>
      </div>
    </section>
  );
}

"use client";

import { useState, type FormEvent } from "react";
import { fieldErrors, formError } from "@/lib/api/errors";
import type { ClusterChoices } from "@/lib/api/types";
import { useMeQuery } from "@/lib/features/auth/authApi";
import { useClusterChoicesQuery, useCreateClusterMutation } from "@/lib/features/clusters/clustersApi";
import { FormField } from "./FormField";
import styles from "./CreateClusterForm.module.css";

// Lifetimes offered, as far as the deployment's bounds (GET /clusters/choices/) allow.
const LIFETIMES = [30, 60, 120, 240, 480];
const FIELDS = ["name", "ttl_minutes", "workers", "kubernetes_version"];

export function lifetimeLabel(minutes: number): string {
  if (minutes % 60 !== 0) {
    return `${minutes} minutes`;
  }
  return minutes === 60 ? "1 hour" : `${minutes / 60} hours`;
}

/** The lifetimes to offer besides the default: the usual ones within bounds, and the longest. */
export function lifetimeChoices(ttl: ClusterChoices["ttl_minutes"]): number[] {
  const offered = LIFETIMES.filter((minutes) => minutes >= ttl.min && minutes <= ttl.max);
  return [...new Set([...offered, ttl.max])].filter((minutes) => minutes !== ttl.default).sort((a, b) => a - b);
}

export function CreateClusterForm() {
  const [create, { isLoading, error, reset }] = useCreateClusterMutation();
  // Until the choices arrive (or if they cannot be read), the server's defaults are offered.
  const { data: choices } = useClusterChoicesQuery();
  // An account staff have not approved yet (PYK8S_REGISTRATION=approval) gets no cluster.
  const awaitingApproval = useMeQuery().data?.approved === false;
  const [name, setName] = useState("");
  const [ttl, setTtl] = useState("");
  const [workers, setWorkers] = useState("0");
  const [version, setVersion] = useState("");
  const [created, setCreated] = useState<string | null>(null);

  const errors = fieldErrors(error);
  const otherErrors = formError(error, FIELDS);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setCreated(null);
    const result = await create({
      name,
      ...(ttl ? { ttl_minutes: Number(ttl) } : {}),
      workers: Number(workers),
      ...(version ? { kubernetes_version: version } : {}),
    });
    if (result.data) {
      setCreated(result.data.name);
      setName("");
      reset();
    }
  };

  return (
    <form className={`card ${styles.form}`} onSubmit={onSubmit} noValidate aria-labelledby="create-title">
      <h2 id="create-title">Create a cluster</h2>
      {awaitingApproval && (
        <p className="alert alert-info" role="status">
          Your account awaits approval by staff: you can create clusters once they approve it.
        </p>
      )}
      <div className={styles.grid}>
        <FormField
          id="cluster-name"
          label="Name"
          error={errors.name}
          hint={`Lowercase letters, digits and '-'${choices ? `, up to ${choices.name_max_length} characters` : ""}.`}
        >
          {(control) => (
            <input
              {...control}
              name="name"
              value={name}
              onChange={(event) => setName(event.target.value)}
              autoComplete="off"
              spellCheck={false}
              required
            />
          )}
        </FormField>
        <FormField id="cluster-ttl" label="Lifetime" error={errors.ttl_minutes}>
          {(control) => (
            <select {...control} name="ttl_minutes" value={ttl} onChange={(event) => setTtl(event.target.value)}>
              <option value="">Default{choices && ` (${lifetimeLabel(choices.ttl_minutes.default)})`}</option>
              {choices &&
                lifetimeChoices(choices.ttl_minutes).map((minutes) => (
                  <option key={minutes} value={minutes}>
                    {lifetimeLabel(minutes)}
                  </option>
                ))}
            </select>
          )}
        </FormField>
        <FormField id="cluster-workers" label="Worker nodes" error={errors.workers}>
          {(control) => (
            <select {...control} name="workers" value={workers} onChange={(event) => setWorkers(event.target.value)}>
              {Array.from({ length: (choices?.workers.max ?? 0) + 1 }, (_, count) => count).map((count) => (
                <option key={count} value={count}>
                  {count === 0 ? "None (control plane only)" : count}
                </option>
              ))}
            </select>
          )}
        </FormField>
        <FormField id="cluster-version" label="Kubernetes version" error={errors.kubernetes_version}>
          {(control) => (
            <select
              {...control}
              name="kubernetes_version"
              value={version}
              onChange={(event) => setVersion(event.target.value)}
            >
              <option value="">Default{choices && ` (${choices.kubernetes_versions[0]})`}</option>
              {choices?.kubernetes_versions.map((candidate) => (
                <option key={candidate} value={candidate}>
                  {candidate}
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
      <div className={styles.actions}>
        <button type="submit" className="button button-primary" disabled={isLoading || awaitingApproval}>
          {isLoading ? "Creating…" : "Create cluster"}
        </button>
        <p role="status" className="muted">
          {created && `${created} is being provisioned; it appears below and goes live on its own.`}
        </p>
      </div>
    </form>
  );
}

"use client";

import { useState, type FormEvent } from "react";
import { errorMessage, fieldErrors } from "@/lib/api/errors";
import { useCreateClusterMutation } from "@/lib/features/clusters/clustersApi";
import { FormField } from "./FormField";
import styles from "./CreateClusterForm.module.css";

// The server's defaults (settings.PYK8S_KUBERNETES_VERSIONS, PYK8S_TTL_*): the API has no
// endpoint listing them yet, and it rejects anything else with a message shown next to the field.
export const KUBERNETES_VERSIONS = ["1.33.1", "1.32.5", "1.31.9"];
const TTL_CHOICES = [
  { minutes: 30, label: "30 minutes" },
  { minutes: 60, label: "1 hour" },
  { minutes: 120, label: "2 hours" },
  { minutes: 240, label: "4 hours" },
  { minutes: 480, label: "8 hours" },
];
const FIELDS = ["name", "ttl_minutes", "workers", "kubernetes_version"];

export function CreateClusterForm() {
  const [create, { isLoading, error, reset }] = useCreateClusterMutation();
  const [name, setName] = useState("");
  const [ttl, setTtl] = useState("60");
  const [workers, setWorkers] = useState("0");
  const [version, setVersion] = useState("");
  const [created, setCreated] = useState<string | null>(null);

  const errors = fieldErrors(error);
  const otherFieldErrors = Object.entries(errors)
    .filter(([field]) => !FIELDS.includes(field))
    .map(([, message]) => message);
  const formError = [errorMessage(error), ...otherFieldErrors].filter(Boolean).join(" ");

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setCreated(null);
    const result = await create({
      name,
      ttl_minutes: Number(ttl),
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
      <div className={styles.grid}>
        <FormField
          id="cluster-name"
          label="Name"
          error={errors.name}
          hint="Lowercase letters, digits and '-', up to 40 characters."
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
              {TTL_CHOICES.map((choice) => (
                <option key={choice.minutes} value={choice.minutes}>
                  {choice.label}
                </option>
              ))}
            </select>
          )}
        </FormField>
        <FormField id="cluster-workers" label="Worker nodes" error={errors.workers}>
          {(control) => (
            <select {...control} name="workers" value={workers} onChange={(event) => setWorkers(event.target.value)}>
              {[0, 1, 2, 3].map((count) => (
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
              <option value="">Default ({KUBERNETES_VERSIONS[0]})</option>
              {KUBERNETES_VERSIONS.map((candidate) => (
                <option key={candidate} value={candidate}>
                  {candidate}
                </option>
              ))}
            </select>
          )}
        </FormField>
      </div>
      {formError && (
        <p className="alert alert-error" role="alert">
          {formError}
        </p>
      )}
      <div className={styles.actions}>
        <button type="submit" className="button button-primary" disabled={isLoading}>
          {isLoading ? "Creating…" : "Create cluster"}
        </button>
        <p role="status" className="muted">
          {created && `${created} is being provisioned; it appears below and goes live on its own.`}
        </p>
      </div>
    </form>
  );
}

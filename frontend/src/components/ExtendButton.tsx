"use client";

import { describeError } from "@/lib/api/errors";
import { useExtendClusterMutation } from "@/lib/features/clusters/clustersApi";
import styles from "./ExtendButton.module.css";

export const EXTEND_MINUTES = 60;

export function ExtendButton({ clusterId }: { clusterId: string }) {
  const [extend, { isLoading, error }] = useExtendClusterMutation();
  const message = describeError(error);
  return (
    <span className={styles.wrapper}>
      <button
        type="button"
        className="button"
        onClick={() => extend({ id: clusterId, minutes: EXTEND_MINUTES })}
        disabled={isLoading}
      >
        {isLoading ? "Extending…" : "Extend 1 hour"}
      </button>
      {message && (
        <span className="field-error" role="alert">
          {message}
        </span>
      )}
    </span>
  );
}

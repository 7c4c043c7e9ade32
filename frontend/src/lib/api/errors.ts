import type { FetchBaseQueryError } from "@reduxjs/toolkit/query";
import type { SerializedError } from "@reduxjs/toolkit";

type QueryError = FetchBaseQueryError | SerializedError | undefined;

/** The API's field errors ({field: [message]}), one message per field, for inline display. */
export function fieldErrors(error: QueryError): Record<string, string> {
  if (!error || !("status" in error) || error.status !== 400 || !isRecord(error.data)) {
    return {};
  }
  const result: Record<string, string> = {};
  for (const [field, messages] of Object.entries(error.data)) {
    if (Array.isArray(messages) && messages.length > 0) {
      result[field] = messages.map(String).join(" ");
    }
  }
  return result;
}

/** A sentence for errors that belong to no field: the API's detail, or what went wrong. */
export function errorMessage(error: QueryError): string | null {
  if (!error) {
    return null;
  }
  if (!("status" in error)) {
    return error.message ?? "Something went wrong. Please try again.";
  }
  if (error.status === "FETCH_ERROR" || error.status === "TIMEOUT_ERROR") {
    return "Cannot reach PyK8s-Lab. Check your connection and try again.";
  }
  if (isRecord(error.data) && typeof error.data.detail === "string") {
    return error.data.detail;
  }
  if (error.status === 400) {
    return null; // field errors only: shown next to their fields
  }
  return "Something went wrong on our side. Please try again in a moment.";
}

/** For a form showing `fields` next to their inputs: the rest of the error, as one sentence. */
export function formError(error: QueryError, fields: readonly string[]): string {
  const others = Object.entries(fieldErrors(error))
    .filter(([field]) => !fields.includes(field))
    .map(([, message]) => message);
  return [errorMessage(error), ...others].filter(Boolean).join(" ");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Every message in the error as one sentence, for actions that have no form fields. */
export function describeError(error: QueryError): string | null {
  return errorMessage(error) ?? (Object.values(fieldErrors(error)).join(" ") || null);
}

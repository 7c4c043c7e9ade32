"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { ClusterDetail } from "./ClusterDetail";

export function ClusterPageContent() {
  const id = useSearchParams().get("id");
  if (!id) {
    return (
      <div className="card stack">
        <h1>No cluster selected</h1>
        <Link href="/">Choose one of your clusters</Link>
      </div>
    );
  }
  return <ClusterDetail key={id} id={id} />;
}

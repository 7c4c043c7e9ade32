import type { Metadata } from "next";
import { Suspense } from "react";
import { AppShell } from "@/components/AppShell";
import { ClusterPageContent } from "@/components/ClusterPageContent";

export const metadata: Metadata = { title: "Cluster" };

// The id travels in the query string (/cluster/?id=...), so one exported page serves every cluster.
export default function ClusterPage() {
  return (
    <AppShell>
      <Suspense>
        <ClusterPageContent />
      </Suspense>
    </AppShell>
  );
}

import type { Metadata } from "next";
import { AppShell } from "@/components/AppShell";
import { ClusterList } from "@/components/ClusterList";
import { CreateClusterForm } from "@/components/CreateClusterForm";

export const metadata: Metadata = { title: "Clusters" };

export default function DashboardPage() {
  return (
    <AppShell>
      <h1>Clusters</h1>
      <CreateClusterForm />
      <ClusterList />
    </AppShell>
  );
}

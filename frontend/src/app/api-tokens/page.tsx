import type { Metadata } from "next";
import { AppShell } from "@/components/AppShell";
import { CreateTokenForm } from "@/components/CreateTokenForm";
import { TokenList } from "@/components/TokenList";

export const metadata: Metadata = { title: "API tokens" };

// Not at /tokens/: Django answers that path with the API (GET /tokens/ lists them), so a reload
// of the page there would get JSON.
export default function ApiTokensPage() {
  return (
    <AppShell>
      <h1>API tokens</h1>
      <p>
        An API token lets a script or a CI job use PyK8s-Lab without logging in: set it as{" "}
        <code>PYK8S_TOKEN</code>, with <code>PYK8S_API_URL</code> set to this server. Tokens survive a password change:
        revoke them here. A <code>clusters:read</code> token lists and watches your clusters; a{" "}
        <code>clusters:write</code> token also creates, extends and deletes them, reads their kubeconfigs and opens
        terminals.
      </p>
      <CreateTokenForm />
      <TokenList />
    </AppShell>
  );
}

import { expect, test } from "@playwright/test";
import { clusterRow, logIn } from "./helpers";

// Run by tests/e2e/test_real_clusters.py (`make e2e-real`) against `make run` on the real kind,
// with the account and a RUNNING cluster it made.
const email = process.env.PYK8S_E2E_REAL_EMAIL;
const cluster = process.env.PYK8S_E2E_REAL_CLUSTER ?? "";

test.skip(!email, "run by tests/e2e/test_real_clusters.py (make e2e-real)");

test("the browser terminal runs kubectl on a real cluster", async ({ page }) => {
  await logIn(page, email!);
  await clusterRow(page, cluster).getByRole("link", { name: cluster, exact: true }).click();
  await page.getByRole("button", { name: "Open terminal" }).click();
  const terminal = page.getByTestId("terminal");
  await expect(terminal).toContainText(/[#$] /, { timeout: 60_000 }); // the shell's prompt
  await terminal.click();
  await page.keyboard.type("kubectl get nodes --no-headers\n");
  await expect(terminal).toContainText(/control-plane\s+Ready/, { timeout: 60_000 });
  await page.keyboard.type("exit 0\n");
  await expect(page.getByText("The shell exited (code 0).")).toBeVisible();
});

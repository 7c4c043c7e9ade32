import { expect, test } from "@playwright/test";
import { clusterRow, logIn } from "./helpers";

// Run by tests/test_quick_start.py against `make run`, with the account and the clusters it made
// through the API and the CLI.
const email = process.env.PYK8S_E2E_QUICK_START_EMAIL;
const clusters = (process.env.PYK8S_E2E_QUICK_START_CLUSTERS ?? "").split(",");

test.skip(!email, "run by tests/test_quick_start.py");

test("the dashboard lists the clusters made through the API and the CLI", async ({ page }) => {
  await logIn(page, email!);
  for (const name of clusters) {
    await expect(clusterRow(page, name)).toBeVisible();
  }
});

import { readFile } from "node:fs/promises";
import path from "node:path";
import { expect, test } from "@playwright/test";
import {
  armFakeKindFault,
  clusterRow,
  createCluster,
  hasFakeKind,
  logIn,
  PASSWORD,
  register,
  SCREENSHOTS,
  uniqueName,
} from "./helpers";

test("register, log in, create a cluster, watch it go live, download its kubeconfig, delete it", async ({ page }) => {
  const consoleErrors: string[] = [];
  // A request already on its way when the logout revokes its token gets a 401, which the
  // browser reports whatever the page does with it: expected while logging out, and only then.
  let loggingOut = false;
  page.on("console", (message) => {
    const revokedOnItsWay = loggingOut && message.text().includes("401 (Unauthorized)");
    if (message.type() === "error" && !revokedOnItsWay) {
      consoleErrors.push(`${message.text()} (${message.location().url})`);
    }
  });
  const email = await register(page);
  loggingOut = true;
  await page.getByRole("button", { name: "Log out", exact: true }).click();
  await expect(page).toHaveURL(/\/login\/$/);
  loggingOut = false;
  await logIn(page, email);
  await expect(page.getByText("No clusters yet.")).toBeVisible();

  if (hasFakeKind) {
    armFakeKindFault("delay", { seconds: 3 }); // long enough to see it provisioning
  }
  const name = uniqueName("journey");
  // Set in this page instance only: still there later means the page was never reloaded.
  await page.evaluate(() => Object.assign(window, { __sameDocument: true }));
  await createCluster(page, name);

  const row = clusterRow(page, name);
  await expect(row.getByText("Provisioning")).toBeVisible();
  await expect(row.getByText("Running")).toBeVisible({ timeout: 60_000 });
  expect(await page.evaluate(() => "__sameDocument" in window)).toBe(true);
  await expect(row.getByText(/left$/)).toBeVisible();
  await page.screenshot({ path: path.join(SCREENSHOTS, "dashboard.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(SCREENSHOTS, "dashboard-phone.png"), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 720 });

  await row.getByRole("link", { name }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  await expect(page.getByRole("log")).toContainText("Creating cluster");
  await page.screenshot({ path: path.join(SCREENSHOTS, "cluster-detail.png"), fullPage: true });
  // The log is the server's copy: after a reload (or a visit days later) it is still there.
  await page.reload();
  await expect(page.getByRole("log")).toContainText("Creating cluster");
  await page.evaluate(() => Object.assign(window, { __sameDocument: true }));

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download kubeconfig" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe(`${name}-kubeconfig.yaml`);
  const kubeconfig = await readFile((await download.path())!, "utf-8");
  expect(kubeconfig).toContain("apiVersion: v1");
  expect(kubeconfig).toContain("clusters:");

  await page.getByRole("button", { name: "Delete cluster" }).click();
  const dialog = page.getByRole("dialog", { name: `Delete ${name}?` });
  await dialog.getByRole("button", { name: "Delete cluster" }).click();
  await expect(page.getByRole("heading", { name: "Clusters", level: 1 })).toBeVisible();
  await expect(clusterRow(page, name)).toHaveCount(0, { timeout: 60_000 });
  expect(await page.evaluate(() => "__sameDocument" in window)).toBe(true);
  // A Content-Security-Policy violation (an unhashed inline script, say) is logged as an error.
  expect(consoleErrors).toEqual([]);
});

test("another user sees neither the cluster in the list nor its page", async ({ page, browser }) => {
  await register(page);
  const name = uniqueName("private");
  await createCluster(page, name);
  const link = clusterRow(page, name).getByRole("link", { name });
  await expect(link).toBeVisible();
  const detailUrl = await link.getAttribute("href");

  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await register(otherPage);
  await expect(otherPage.getByText("No clusters yet.")).toBeVisible();
  await otherPage.goto(detailUrl!);
  await expect(otherPage.getByRole("heading", { name: "Cluster not found" })).toBeVisible();
  await other.close();
});

test("an invalid name shows the API's message next to the field", async ({ page }) => {
  await register(page);
  await createCluster(page, "Not_A_DNS_Name");
  const field = page.getByLabel("Name");
  await expect(field).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText(/Use lowercase letters, digits and '-'/)).toBeVisible();
  await expect(page.getByText("No clusters yet.")).toBeVisible();
});

test("a cluster that fails to provision shows why", async ({ page }) => {
  test.skip(!hasFakeKind, "needs PYK8S_E2E_FAKE_KIND_DIR to make the next create fail");
  await register(page);
  armFakeKindFault("kubeadm-init");
  const name = uniqueName("broken");
  await createCluster(page, name);
  const row = clusterRow(page, name);
  await expect(row.getByText("Error", { exact: true })).toBeVisible({ timeout: 60_000 });

  await row.getByRole("link", { name }).click();
  const alert = page.getByRole("alert").filter({ hasText: "Provisioning failed:" });
  await expect(alert).toBeVisible();
  await expect(alert).not.toHaveText(/Provisioning failed:\s*$/);
});

test("an expired session sends the user to log in, then back to the same page", async ({ page }) => {
  const email = await register(page);
  const name = uniqueName("return");
  await createCluster(page, name);
  await clusterRow(page, name).getByRole("link", { name }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  const detailUrl = page.url();

  // The server answers an expired refresh token as it answers any it cannot verify (401
  // token_not_valid): one whose signature no longer matches stands in for it.
  await page.evaluate(() => {
    const refresh = sessionStorage.getItem("pyk8s.refresh")!;
    sessionStorage.setItem("pyk8s.refresh", `${refresh.slice(0, -4)}AAAA`);
  });
  await page.reload();

  await expect(page).toHaveURL(/\/login\/\?next=/);
  await expect(page.getByText("Your session has expired. Log in again to continue.")).toBeVisible();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  expect(page.url()).toBe(detailUrl);
});

import { expect, test } from "@playwright/test";
import { register } from "./helpers";

test("a token made on the API tokens page works for the API until it is revoked", async ({ page, request }) => {
  await register(page);
  await page.getByRole("link", { name: "API tokens" }).click();
  await expect(page.getByRole("heading", { name: "API tokens", level: 1 })).toBeVisible();
  await expect(page.getByText("No tokens yet.")).toBeVisible();

  await page.getByLabel("Name").fill("e2e-ci");
  await page.getByLabel("Scope").selectOption("clusters:write");
  await page.getByRole("button", { name: "Create token" }).click();
  const secret = (await page.getByRole("region", { name: "Your new token e2e-ci" }).locator("code").textContent())!;
  expect(secret).toMatch(/^pk8s_/);
  const asTheToken = { headers: { Authorization: `Bearer ${secret}` } };
  expect((await request.get("/clusters/", asTheToken)).status()).toBe(200);

  await page.getByRole("button", { name: "Done" }).click();
  await expect(page.getByText(secret)).toHaveCount(0); // shown once
  await page.reload();
  const row = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "e2e-ci" }) });
  await expect(row).toContainText("clusters:write");
  await expect(row).toContainText("127.0.0.1"); // where it was last used from
  await expect(page.getByText(secret)).toHaveCount(0);

  await row.getByRole("button", { name: "Revoke token e2e-ci" }).click();
  await page.getByRole("dialog", { name: "Revoke e2e-ci?" }).getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByText("No tokens yet.")).toBeVisible();
  expect((await request.get("/clusters/", asTheToken)).status()).toBe(401);
});

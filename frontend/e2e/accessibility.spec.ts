import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { clusterRow, createCluster, register, uniqueName } from "./helpers";

// WCAG 2.1 A and AA, as axe checks them in the rendered page (contrast, names, landmarks...).
async function violations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return results.violations.map(
    (violation) => `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target).join(", ")})`,
  );
}

test("every page meets WCAG 2.1 AA as axe checks it", async ({ page }) => {
  await page.goto("/login/");
  await expect(page.getByRole("button", { name: "Log in" })).toBeVisible();
  expect(await violations(page)).toEqual([]);

  await register(page);
  const name = uniqueName("a11y");
  await createCluster(page, name);
  await expect(clusterRow(page, name).getByText("Running")).toBeVisible({ timeout: 60_000 });
  expect(await violations(page)).toEqual([]);

  await clusterRow(page, name).getByRole("link", { name }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  expect(await violations(page)).toEqual([]);

  await page.getByRole("button", { name: "Delete cluster" }).click();
  await expect(page.getByRole("dialog", { name: `Delete ${name}?` })).toBeVisible();
  expect(await violations(page)).toEqual([]);
  await page.keyboard.press("Escape");

  await page.getByRole("link", { name: "API tokens" }).click();
  await page.getByLabel("Name").fill("a11y");
  await page.getByRole("button", { name: "Create token" }).click();
  await expect(page.getByRole("region", { name: "Your new token a11y" })).toBeVisible();
  await expect(page.getByRole("rowheader", { name: "a11y" })).toBeVisible();
  expect(await violations(page)).toEqual([]);
});

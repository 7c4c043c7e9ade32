import { expect, test } from "@playwright/test";
import { clusterRow, createCluster, register, uniqueName } from "./helpers";

test("the terminal tab runs a shell on the cluster, typed into and read back", async ({ page }) => {
  const consoleErrors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(`${message.text()} (${message.location().url})`);
  });
  await register(page);
  const name = uniqueName("shell");
  await createCluster(page, name);
  const row = clusterRow(page, name);
  await expect(row.getByText("Running")).toBeVisible({ timeout: 60_000 });
  await row.getByRole("link", { name }).click();

  await page.getByRole("button", { name: "Open terminal" }).click();
  await expect(page.getByText("Connected: kubectl is set up for this cluster.")).toBeVisible({ timeout: 30_000 });
  const terminal = page.getByTestId("terminal");
  await expect(terminal).toContainText(/[#$] /, { timeout: 20_000 }); // the shell's prompt
  await terminal.click();
  await page.keyboard.type("echo hello-$((6*7))\n");
  await expect(terminal).toContainText("hello-42");

  // A narrower window reaches the shell as a narrower terminal.
  const columns = async (label: string) => {
    await page.keyboard.type(`echo ${label}=$(stty size | tr ' ' x)\n`);
    await expect(terminal).toContainText(new RegExp(`${label}=\\d+x\\d+`));
    return Number((await terminal.textContent())!.match(new RegExp(`${label}=\\d+x(\\d+)`))![1]);
  };
  const wide = await columns("before");
  await page.setViewportSize({ width: 700, height: 800 });
  await expect.poll(() => columns(`after${Date.now()}`)).toBeLessThan(wide);

  await page.keyboard.type("exit 3\n");
  await expect(page.getByText("The shell exited (code 3).")).toBeVisible();
  await expect(page.getByRole("button", { name: "Reconnect" })).toBeVisible();
  // xterm.js draws with inline <style> elements: the page's policy must let them in.
  expect(consoleErrors).toEqual([]);
});

import { execFileSync } from "node:child_process";
import path from "node:path";
import { expect, type Page } from "@playwright/test";

export const PASSWORD = "correct-horse-battery-staple";
export const SCREENSHOTS = path.resolve(__dirname, "../../test-artifacts/web/screenshots");

export const uniqueName = (prefix: string) => `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

export async function register(page: Page, email = `${uniqueName("e2e")}@example.com`): Promise<string> {
  await page.goto("/register/");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Clusters", level: 1 })).toBeVisible();
  return email;
}

export async function logIn(page: Page, email: string): Promise<void> {
  await page.goto("/login/");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { name: "Clusters", level: 1 })).toBeVisible();
}

export async function createCluster(page: Page, name: string): Promise<void> {
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Create cluster" }).click();
}

export const clusterRow = (page: Page, name: string) =>
  page.getByRole("listitem").filter({ has: page.getByRole("link", { name, exact: true }) });

/**
 * Arms a fault in the fake kind for the next matching create (tests/fakes/README.md), through
 * its own Python API so the fake's lock is respected. Needs PYK8S_E2E_FAKE_KIND_DIR.
 */
export function armFakeKindFault(effect: string, options: { seconds?: number } = {}): void {
  const directory = process.env.PYK8S_E2E_FAKE_KIND_DIR!;
  const repo = path.resolve(__dirname, "../..");
  const python = process.env.PYK8S_E2E_PYTHON ?? path.join(repo, ".venv/bin/python");
  const code = [
    "import json, sys",
    "from pathlib import Path",
    "from tests.fakes.fixtures import FakeKind",
    "FakeKind(Path(sys.argv[1])).set_fault(sys.argv[2], cluster='pk-*', times=1, **json.loads(sys.argv[3]))",
  ].join("\n");
  execFileSync(python, ["-c", code, directory, effect, JSON.stringify(options)], { cwd: repo, stdio: "inherit" });
}

export const hasFakeKind = Boolean(process.env.PYK8S_E2E_FAKE_KIND_DIR);

import { defineConfig } from "@playwright/test";

// The stack under test (daphne serving the built dashboard, Celery, Redis, PostgreSQL, the
// fake kind) is started by whoever runs this: see "End-to-end tests" in README.md.
const baseURL = process.env.PYK8S_E2E_BASE_URL;
if (!baseURL) {
  throw new Error("Set PYK8S_E2E_BASE_URL to the running stack, e.g. http://127.0.0.1:8000");
}

// Never a downloaded browser: Debian's chromium (apt-get install chromium).
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1, EXCLUDE localhost",
];

const ARTIFACTS = "../test-artifacts/web";

export default defineConfig({
  testDir: "e2e",
  outputDir: `${ARTIFACTS}/results`,
  // One stack, shared: tests run one at a time and each uses fresh accounts.
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 30_000 },
  reporter: [["list"], ["html", { outputFolder: `${ARTIFACTS}/report`, open: "never" }]],
  use: {
    baseURL,
    browserName: "chromium",
    launchOptions: {
      executablePath: process.env.PYK8S_E2E_CHROMIUM ?? "/usr/bin/chromium",
      args: CHROMIUM_FLAGS,
    },
    acceptDownloads: true,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
});

import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Provider } from "react-redux";
import { accessGranted } from "@/lib/features/auth/authSlice";
import { clustersApi } from "@/lib/features/clusters/clustersApi";
import { makeStore } from "@/lib/store";
import { json, mockFetch } from "@/test/fetch";
import { ExpiryBanner } from "./ExpiryBanner";

async function renderWarned() {
  const store = makeStore();
  store.dispatch(accessGranted("access-token"));
  await store.dispatch(
    clustersApi.util.upsertQueryData("clusterEvents", undefined, {
      connection: "live",
      logs: {},
      expiring: { c2: { name: "second", minutesLeft: 1 } },
    }),
  );
  render(
    <Provider store={store}>
      <ExpiryBanner />
    </Provider>,
  );
  return screen.getByRole("alert");
}

test("the warning names the cluster and extends it, then goes away", async () => {
  const fetchSpy = mockFetch(() => json({ id: "c2", ttl_expires_at: "2026-01-01T14:00:00Z" }));
  const banner = await renderWarned();

  expect(banner).toHaveTextContent("second will be deleted in about 1 minute.");
  // (Outside a Next build, the link lacks the trailing slash the app's config adds.)
  expect(within(banner).getByRole("link", { name: "second" }).getAttribute("href")).toMatch(/^\/cluster\/?\?id=c2$/);
  await userEvent.click(within(banner).getByRole("button", { name: "Extend 1 hour" }));

  await waitFor(() => expect(screen.queryByRole("alert")).not.toBeInTheDocument());
  const sent = fetchSpy.mock.calls.at(-1)![0] as Request;
  expect(new URL(sent.url).pathname).toBe("/clusters/c2/extend/");
  expect(await sent.json()).toEqual({ minutes: 60 });
});

test("a refused extension says why and keeps the warning", async () => {
  const message = "A cluster may live at most 480 minutes; this one can be extended by 0 more minutes at most.";
  mockFetch(() => json({ minutes: [message] }, 400));
  const banner = await renderWarned();

  await userEvent.click(within(banner).getByRole("button", { name: "Extend 1 hour" }));

  expect(await within(banner).findByText(message)).toBeInTheDocument();
  expect(banner).toHaveTextContent("second will be deleted in about 1 minute.");
});

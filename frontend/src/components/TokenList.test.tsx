import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Provider } from "react-redux";
import { accessGranted } from "@/lib/features/auth/authSlice";
import { makeStore } from "@/lib/store";
import { json, mockFetch } from "@/test/fetch";
import { aToken, requestsTo, serveTokens } from "@/test/tokens";
import { formatDate, TokenList } from "./TokenList";

function renderList() {
  const store = makeStore();
  store.dispatch(accessGranted("access-token"));
  render(
    <Provider store={store}>
      <TokenList />
    </Provider>,
  );
}

const cellsOf = (row: HTMLElement) => within(row).getAllByRole("cell").map((cell) => cell.textContent);

test("it lists each token's scope, prefix, dates and last use", async () => {
  serveTokens([
    aToken({
      id: 1,
      name: "deploy",
      scope: "clusters:write",
      prefix: "Ab3dE6gH",
      last_used_at: "2026-01-02T08:30:00Z",
      last_used_ip: "203.0.113.7",
    }),
    aToken({ id: 2, name: "forever", prefix: "Zz9yXx8w", expires_at: null }),
    aToken({ id: 3, name: "stale", prefix: "Qq1wEe2r", expires_at: "2026-01-08T12:00:00Z", expired: true }),
  ]);
  renderList();

  const table = await screen.findByRole("table", { name: "Your API tokens" });
  const headers = within(table).getAllByRole("columnheader").map((header) => header.textContent);
  expect(headers).toEqual(["Name", "Scope", "Prefix", "Created", "Expires", "Last used", "From", "Actions"]);
  const [deploy, forever, stale] = within(table).getAllByRole("row").slice(1);
  expect(within(deploy!).getByRole("rowheader")).toHaveTextContent("deploy");
  expect(cellsOf(deploy!).slice(0, 6)).toEqual([
    "clusters:write",
    "pk8s_Ab3dE6gH…",
    formatDate("2026-01-01T12:00:00Z"),
    formatDate("2026-04-01T12:00:00Z"),
    expect.stringContaining(formatDate("2026-01-02T08:30:00Z")),
    "203.0.113.7",
  ]);
  expect(cellsOf(forever!).slice(3, 6)).toEqual(["never", "never", "—"]);
  expect(cellsOf(stale!)[3]).toBe("expired");
  expect(within(table).getByRole("button", { name: "Revoke token stale" })).toBeInTheDocument();
});

test("without tokens it says so and offers nothing to revoke", async () => {
  serveTokens([]);
  renderList();

  expect(await screen.findByText("No tokens yet.")).toBeInTheDocument();
  expect(screen.queryByRole("table")).not.toBeInTheDocument();
  expect(screen.queryByRole("button", { name: "Revoke all" })).not.toBeInTheDocument();
});

test("a token is revoked only once the user confirms", async () => {
  const user = userEvent.setup();
  const spy = serveTokens([aToken({ id: 4, name: "deploy" }), aToken({ id: 5, name: "nightly" })]);
  renderList();

  await user.click(await screen.findByRole("button", { name: "Revoke token deploy" }));
  await user.click(within(screen.getByRole("dialog", { name: "Revoke deploy?" })).getByRole("button", { name: "Cancel" }));
  expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
  expect(requestsTo(spy, "DELETE", "/tokens/4/")).toEqual([]);

  await user.click(screen.getByRole("button", { name: "Revoke token deploy" }));
  await user.click(within(screen.getByRole("dialog", { name: "Revoke deploy?" })).getByRole("button", { name: "Revoke" }));

  await screen.findByRole("button", { name: "Revoke token nightly" });
  await expect.poll(() => screen.queryByRole("rowheader", { name: "deploy" })).toBeNull();
  expect(requestsTo(spy, "DELETE", "/tokens/4/")).toHaveLength(1);
  expect(requestsTo(spy, "DELETE", "/tokens/4/")[0]!.headers.get("Authorization")).toBe("Bearer access-token");
});

test("revoke all empties the list after confirmation", async () => {
  const user = userEvent.setup();
  const spy = serveTokens([aToken({ id: 4, name: "deploy" }), aToken({ id: 5, name: "nightly" })]);
  renderList();

  await user.click(await screen.findByRole("button", { name: "Revoke all" }));
  const dialog = screen.getByRole("dialog", { name: "Revoke all tokens?" });
  expect(dialog).toHaveAccessibleDescription(expect.stringContaining("Your 2 tokens stop working at once"));
  await user.click(within(dialog).getByRole("button", { name: "Revoke all" }));

  expect(await screen.findByText("No tokens yet.")).toBeInTheDocument();
  expect(requestsTo(spy, "POST", "/tokens/revoke-all/")).toHaveLength(1);
});

test("a failed revoke says why", async () => {
  const user = userEvent.setup();
  mockFetch((request) =>
    request.method === "GET"
      ? json([aToken({ id: 4, name: "deploy" })])
      : json({ detail: "No such token of yours.", code: "not_found" }, 404),
  );
  renderList();

  await user.click(await screen.findByRole("button", { name: "Revoke token deploy" }));
  await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Revoke" }));

  expect(await screen.findByRole("alert")).toHaveTextContent("No such token of yours.");
});

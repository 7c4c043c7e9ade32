import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Provider } from "react-redux";
import { accessGranted } from "@/lib/features/auth/authSlice";
import { makeStore } from "@/lib/store";
import { json } from "@/test/fetch";
import { aToken, requestsTo, SECRET, serveTokens } from "@/test/tokens";
import { CreateTokenForm } from "./CreateTokenForm";
import { TokenList } from "./TokenList";

const DAY_MS = 24 * 60 * 60 * 1000;

function renderPage() {
  const store = makeStore();
  store.dispatch(accessGranted("access-token"));
  render(
    <Provider store={store}>
      <CreateTokenForm />
      <TokenList />
    </Provider>,
  );
  return store;
}

const optionsOf = (label: string) =>
  Array.from((screen.getByLabelText(label) as HTMLSelectElement).options, (option) => option.text);

test("it offers read scope and the longest expiry by default", () => {
  serveTokens([]);
  renderPage();

  expect(screen.getByLabelText("Scope")).toHaveValue("clusters:read");
  expect(optionsOf("Scope")).toEqual(["clusters:read", "clusters:write"]);
  expect(optionsOf("Expires")).toEqual(["The longest allowed", "30 days", "7 days"]);
  expect(screen.getByLabelText("Expires")).toHaveDisplayValue("The longest allowed");
});

test("it shows the new token's secret once, and forgets it after Done", async () => {
  const user = userEvent.setup();
  const spy = serveTokens([]);
  const store = renderPage();

  await user.type(screen.getByLabelText("Name"), "github-actions");
  await user.selectOptions(screen.getByLabelText("Scope"), "clusters:write");
  await user.selectOptions(screen.getByLabelText("Expires"), "30 days");
  await user.click(screen.getByRole("button", { name: "Create token" }));

  const box = await screen.findByRole("region", { name: "Your new token github-actions" });
  expect(within(box).getByText(SECRET).tagName).toBe("CODE");
  expect(box).toHaveTextContent("Copy it now: it is not shown again.");
  expect(box).toHaveFocus();
  expect(screen.getByLabelText("Name")).toHaveValue("");
  const [sent] = requestsTo(spy, "POST", "/tokens/");
  const body = await sent!.json();
  expect(body).toMatchObject({ name: "github-actions", scope: "clusters:write" });
  expect(Date.parse(body.expires_at) - Date.now()).toBeGreaterThan(30 * DAY_MS - 60_000);
  expect(Date.parse(body.expires_at) - Date.now()).toBeLessThanOrEqual(30 * DAY_MS);
  expect(JSON.stringify(store.getState())).not.toContain(SECRET);

  await user.click(within(box).getByRole("button", { name: "Copy token github-actions" }));
  expect(await navigator.clipboard.readText()).toBe(SECRET);
  expect(within(box).getByText("Copied to the clipboard.")).toBeInTheDocument();

  await user.click(within(box).getByRole("button", { name: "Done" }));
  expect(screen.queryByText(SECRET)).not.toBeInTheDocument();
  expect(screen.queryByText("Copy it now: it is not shown again.")).not.toBeInTheDocument();
  expect(screen.getByLabelText("Name")).toHaveFocus();
});

test("the new token appears in the list, without its secret", async () => {
  const spy = serveTokens([aToken({ name: "older" })]);
  renderPage();
  await screen.findByRole("rowheader", { name: "older" });

  await userEvent.type(screen.getByLabelText("Name"), "nightly");
  await userEvent.click(screen.getByRole("button", { name: "Create token" }));

  const table = screen.getByRole("table", { name: "Your API tokens" });
  expect(await within(table).findByRole("rowheader", { name: "nightly" })).toBeInTheDocument();
  // The longest allowed: no expiry sent, the server gives its own maximum.
  const [sent] = requestsTo(spy, "POST", "/tokens/");
  expect(await sent!.json()).not.toHaveProperty("expires_at");
  expect(within(table).getByText("pk8s_Nw9xYz12…")).toBeInTheDocument();
  expect(within(table).queryByText(SECRET)).not.toBeInTheDocument();
});

test("it shows the API's field error next to the field it concerns", async () => {
  const message = "Tokens on this server live at most 30 days (PYK8S_API_TOKEN_MAX_DAYS).";
  serveTokens([], () => json({ expires_at: [message] }, 400));
  renderPage();

  await userEvent.type(screen.getByLabelText("Name"), "ci");
  await userEvent.click(screen.getByRole("button", { name: "Create token" }));

  expect(await screen.findByText(message)).toBeInTheDocument();
  const expires = screen.getByLabelText("Expires");
  expect(expires).toHaveAttribute("aria-invalid", "true");
  expect(expires).toHaveAccessibleDescription(message);
  expect(screen.getByLabelText("Name")).toHaveAttribute("aria-invalid", "false");
  expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  expect(screen.queryByText(/not shown again/)).not.toBeInTheDocument();
});

test("it shows errors that belong to no field above the button", async () => {
  const detail = "You have 20 tokens, the most allowed: revoke one first.";
  serveTokens([], () => json({ detail, code: "token_limit" }, 409));
  renderPage();

  await userEvent.type(screen.getByLabelText("Name"), "one-too-many");
  await userEvent.click(screen.getByRole("button", { name: "Create token" }));

  expect(await screen.findByRole("alert")).toHaveTextContent(detail);
  await waitFor(() => expect(screen.getByRole("button", { name: "Create token" })).toBeEnabled());
});

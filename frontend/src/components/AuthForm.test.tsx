import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Provider } from "react-redux";
import { beforeEach, vi } from "vitest";
import { makeStore } from "@/lib/store";
import { json, mockFetch } from "@/test/fetch";
import { AuthForm } from "./AuthForm";

const navigation = vi.hoisted(() => ({ search: "", replace: vi.fn() }));

vi.mock("next/navigation", () => ({
  useRouter: () => ({ replace: navigation.replace }),
  useSearchParams: () => new URLSearchParams(navigation.search),
}));

beforeEach(() => navigation.replace.mockReset());

const MESSAGES = {
  open: "Anyone may create an account.",
  invite: "Accounts are by invitation: open the invite link you were sent.",
  approval: "Anyone may create an account; staff approve it before it can create clusters.",
  closed: "Registration is closed on this server: ask its operators for an account.",
};

type Mode = keyof typeof MESSAGES;

/** A server in registration mode `mode`; POST /users/register answers with `registered`. */
function serve(mode: Mode, registered = () => json({ id: 1, email: "ann@example.org", approved: true }, 201)) {
  return mockFetch((request) => {
    const path = new URL(request.url).pathname;
    if (path === "/auth/registration") {
      return json({ mode, message: MESSAGES[mode] });
    }
    if (path === "/users/register") {
      return registered();
    }
    return json({ access: "a", refresh: "r" });
  });
}

function renderRegister(hash = "") {
  window.history.replaceState(null, "", `/register/${hash}`);
  render(
    <Provider store={makeStore()}>
      <AuthForm mode="register" />
    </Provider>,
  );
}

async function fillIn() {
  await userEvent.type(screen.getByLabelText("Email"), "ann@example.org");
  await userEvent.type(screen.getByLabelText("Password"), "a long passphrase");
  await userEvent.click(screen.getByRole("button", { name: "Create account" }));
}

const bodiesSentTo = (spy: ReturnType<typeof mockFetch>, path: string) =>
  Promise.all(
    spy.mock.calls
      .map(([input]) => input as Request)
      .filter((request) => new URL(request.url).pathname === path)
      .map((request) => request.clone().json()),
  );

test("a closed server says so and offers no form", async () => {
  serve("closed");
  renderRegister();

  expect(await screen.findByText(MESSAGES.closed)).toBeInTheDocument();
  expect(screen.queryByLabelText("Email")).not.toBeInTheDocument();
  expect(screen.queryByRole("button", { name: "Create account" })).not.toBeInTheDocument();
  expect(screen.getByRole("link", { name: "Log in" })).toBeInTheDocument();
});

test("invitation only, without an invite: says to open the link, offers no form", async () => {
  serve("invite");
  renderRegister();

  expect(await screen.findByText(MESSAGES.invite)).toBeInTheDocument();
  expect(screen.queryByLabelText("Email")).not.toBeInTheDocument();
});

test("an invite link's token is sent with the registration", async () => {
  const spy = serve("invite");
  renderRegister("#invite=tok-123");

  expect(await screen.findByText("You are registering with an invite: it works once.")).toBeInTheDocument();
  await fillIn();

  await waitFor(() => expect(navigation.replace).toHaveBeenCalledWith("/"));
  expect(await bodiesSentTo(spy, "/users/register")).toEqual([
    { email: "ann@example.org", password: "a long passphrase", invite: "tok-123" },
  ]);
});

test("a used or expired invite shows the server's message", async () => {
  const detail = "This invite is not valid: it is mistyped, expired or used already. Ask staff for a new invite link.";
  serve("invite", () => json({ detail, code: "invite_invalid" }, 403));
  renderRegister("#invite=used");

  await screen.findByText("You are registering with an invite: it works once.");
  await fillIn();

  expect(await screen.findByRole("alert")).toHaveTextContent(detail);
});

test("approval: says staff approve new accounts before the form", async () => {
  serve("approval");
  renderRegister();

  expect(await screen.findByText(MESSAGES.approval)).toBeInTheDocument();
  expect(screen.getByLabelText("Email")).toBeInTheDocument();
});

test("open: no notice, just the form, and no invite sent", async () => {
  const spy = serve("open");
  renderRegister();

  await waitFor(() => expect(spy).toHaveBeenCalled());
  await fillIn();

  await waitFor(() => expect(navigation.replace).toHaveBeenCalled());
  expect(screen.queryByText(MESSAGES.open)).not.toBeInTheDocument();
  expect(await bodiesSentTo(spy, "/users/register")).toEqual([
    { email: "ann@example.org", password: "a long passphrase" },
  ]);
});

import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Provider } from "react-redux";
import { accessGranted } from "@/lib/features/auth/authSlice";
import { makeStore } from "@/lib/store";
import { aCluster } from "@/test/clusters";
import { json, mockFetch, type Handler } from "@/test/fetch";
import { CreateClusterForm } from "./CreateClusterForm";

const CHOICES = {
  kubernetes_versions: ["1.33.1", "1.32.5"],
  ttl_minutes: { default: 60, min: 10, max: 180 },
  workers: { min: 0, max: 3 },
  max_clusters_per_user: 3,
  name_max_length: 40,
};

/** Answers GET /clusters/choices/ with CHOICES, GET /users/me with `me`, and everything else
 * with `handler`. */
function serve(handler: Handler, me = { id: 1, email: "ann@example.org", approved: true }) {
  return mockFetch((request) => {
    const path = new URL(request.url).pathname;
    if (path === "/clusters/choices/") {
      return json(CHOICES);
    }
    return path === "/users/me" ? json(me) : handler(request);
  });
}

const optionsOf = (label: string) =>
  Array.from((screen.getByLabelText(label) as HTMLSelectElement).options, (option) => option.text);

function renderForm() {
  const store = makeStore();
  store.dispatch(accessGranted("access-token"));
  render(
    <Provider store={store}>
      <CreateClusterForm />
    </Provider>,
  );
  return store;
}

test("it shows the API's field error next to the field it concerns", async () => {
  const message = "Use lowercase letters, digits and '-', starting and ending with a letter or digit.";
  serve(() => json({ name: [message] }, 400));
  renderForm();

  await userEvent.type(screen.getByLabelText("Name"), "Bad_Name");
  await userEvent.click(screen.getByRole("button", { name: "Create cluster" }));

  const name = screen.getByLabelText("Name");
  expect(await screen.findByText(message)).toBeInTheDocument();
  expect(name).toHaveAttribute("aria-invalid", "true");
  expect(name).toHaveAccessibleDescription(expect.stringContaining(message));
  expect(screen.queryByRole("alert")).not.toBeInTheDocument();
});

test("it shows errors that belong to no field above the button", async () => {
  serve(() => json({ detail: "You already have 3 clusters, the most allowed.", code: "quota_exceeded" }, 409));
  renderForm();

  await userEvent.type(screen.getByLabelText("Name"), "fourth");
  await userEvent.click(screen.getByRole("button", { name: "Create cluster" }));

  expect(await screen.findByRole("alert")).toHaveTextContent("You already have 3 clusters, the most allowed.");
});

test("it sends the chosen settings and clears the errors once created", async () => {
  const fetchSpy = serve(async (request) =>
    (await request.clone().json()).name === "ok-name"
      ? json(aCluster({ name: "ok-name" }), 202)
      : json({ name: ["Taken."] }, 400),
  );
  renderForm();

  await userEvent.type(screen.getByLabelText("Name"), "taken");
  await userEvent.click(screen.getByRole("button", { name: "Create cluster" }));
  expect(await screen.findByText("Taken.")).toBeInTheDocument();

  await userEvent.clear(screen.getByLabelText("Name"));
  await userEvent.type(screen.getByLabelText("Name"), "ok-name");
  await screen.findByRole("option", { name: "2 hours" });
  await userEvent.selectOptions(screen.getByLabelText("Worker nodes"), "2");
  await userEvent.selectOptions(screen.getByLabelText("Lifetime"), "120");
  await userEvent.selectOptions(screen.getByLabelText("Kubernetes version"), "1.32.5");
  await userEvent.click(screen.getByRole("button", { name: "Create cluster" }));

  expect(await screen.findByText(/ok-name is being provisioned/)).toBeInTheDocument();
  expect(screen.queryByText("Taken.")).not.toBeInTheDocument();
  expect(screen.getByLabelText("Name")).toHaveValue("");
  const sent = fetchSpy.mock.calls.at(-1)![0] as Request;
  expect(sent.headers.get("Authorization")).toBe("Bearer access-token");
  expect(await sent.json()).toEqual({ name: "ok-name", ttl_minutes: 120, workers: 2, kubernetes_version: "1.32.5" });
});

test("it offers what this deployment allows, and leaves defaults to the server", async () => {
  const fetchSpy = serve(async () => json(aCluster({ name: "plain" }), 202));
  renderForm();

  expect(await screen.findByRole("option", { name: "Default (1 hour)" })).toBeInTheDocument();
  expect(optionsOf("Lifetime")).toEqual(["Default (1 hour)", "30 minutes", "2 hours", "3 hours"]);
  expect(optionsOf("Kubernetes version")).toEqual(["Default (1.33.1)", "1.33.1", "1.32.5"]);
  expect(optionsOf("Worker nodes")).toEqual(["None (control plane only)", "1", "2", "3"]);

  await userEvent.type(screen.getByLabelText("Name"), "plain");
  await userEvent.click(screen.getByRole("button", { name: "Create cluster" }));

  expect(await screen.findByText(/plain is being provisioned/)).toBeInTheDocument();
  const sent = fetchSpy.mock.calls.at(-1)![0] as Request;
  expect(await sent.json()).toEqual({ name: "plain", workers: 0 });
});

test("an account awaiting approval is told so and cannot create", async () => {
  const fetchSpy = serve(() => json({}, 500), { id: 1, email: "ann@example.org", approved: false });
  renderForm();

  expect(
    await screen.findByText("Your account awaits approval by staff: you can create clusters once they approve it."),
  ).toBeInTheDocument();
  expect(screen.getByRole("button", { name: "Create cluster" })).toBeDisabled();
  const posts = fetchSpy.mock.calls.filter(([input]) => input instanceof Request && input.method === "POST");
  expect(posts).toEqual([]);
});

test("an approved account sees no approval banner", async () => {
  const fetchSpy = serve(() => json({}, 500));
  renderForm();

  await screen.findByRole("option", { name: "2 hours" });
  const askedWhoAmI = () =>
    fetchSpy.mock.calls.some(([input]) => input instanceof Request && input.url.endsWith("/users/me"));
  await waitFor(() => expect(askedWhoAmI()).toBe(true));
  await new Promise((resolve) => setTimeout(resolve, 50)); // its answer rendered
  expect(screen.queryByText(/awaits approval/)).not.toBeInTheDocument();
  expect(screen.getByRole("button", { name: "Create cluster" })).toBeEnabled();
});

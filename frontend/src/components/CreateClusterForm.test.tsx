import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Provider } from "react-redux";
import { accessGranted } from "@/lib/features/auth/authSlice";
import { makeStore } from "@/lib/store";
import { aCluster } from "@/test/clusters";
import { json, mockFetch } from "@/test/fetch";
import { CreateClusterForm } from "./CreateClusterForm";

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
  mockFetch(() => json({ name: [message] }, 400));
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
  mockFetch(() => json({ detail: "You already have 3 clusters, the most allowed.", code: "quota_exceeded" }, 409));
  renderForm();

  await userEvent.type(screen.getByLabelText("Name"), "fourth");
  await userEvent.click(screen.getByRole("button", { name: "Create cluster" }));

  expect(await screen.findByRole("alert")).toHaveTextContent("You already have 3 clusters, the most allowed.");
});

test("it sends the chosen settings and clears the errors once created", async () => {
  const fetchSpy = mockFetch(async (request) =>
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

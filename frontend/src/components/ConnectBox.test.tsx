import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { ConnectBox, connectCommands } from "./ConnectBox";

test("it shows the commands for this cluster and this server", () => {
  render(<ConnectBox name="lab" />);

  const box = screen.getByRole("region", { name: "Connect" });
  expect(within(box).getByText(`pyk8s auth login --api-url ${window.location.origin}`)).toBeInTheDocument();
  expect(within(box).getByText("pyk8s cluster shell lab")).toBeInTheDocument();
  expect(within(box).getByText(/kubectl --context pyk8s-lab get nodes/)).toBeInTheDocument();
  expect(within(box).getByText("pyk8s cluster run lab -- kubectl get nodes")).toBeInTheDocument();
});

test("a command is copied exactly as shown", async () => {
  const user = userEvent.setup();
  render(<ConnectBox name="lab" />);

  await user.click(screen.getByRole("button", { name: /Copy: A shell with kubectl/ }));

  expect(await navigator.clipboard.readText()).toBe("pyk8s cluster shell lab");
  expect(screen.getByText("Copied to the clipboard.")).toBeInTheDocument();
});

test("the kubectl route names the context that get-kubeconfig --merge adds", () => {
  const [, , merge] = connectCommands("ci-42", "https://lab.example");

  expect(merge?.command).toBe("pyk8s cluster get-kubeconfig ci-42 --merge\nkubectl --context pyk8s-ci-42 get nodes");
});

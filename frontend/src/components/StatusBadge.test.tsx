import { render, screen } from "@testing-library/react";
import type { ClusterStatus } from "@/lib/api/types";
import { StatusBadge } from "./StatusBadge";

const cases: [ClusterStatus, string][] = [
  ["PROVISIONING", "Provisioning"],
  ["RUNNING", "Running"],
  ["DELETING", "Deleting"],
  ["DELETED", "Deleted"],
  ["ERROR", "Error"],
];

test.each(cases)("it names the %s status in words, not only in colour", (status, label) => {
  render(<StatusBadge status={status} />);
  const badge = screen.getByText(label);
  expect(badge).toHaveAttribute("data-status", status);
  expect(badge.className).toContain(status.toLowerCase());
});

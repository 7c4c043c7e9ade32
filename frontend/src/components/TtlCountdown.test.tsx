import { act, render, screen } from "@testing-library/react";
import { formatRemaining, TtlCountdown } from "./TtlCountdown";

afterEach(() => {
  vi.useRealTimers();
});

test.each([
  [2 * 3600_000 + 5 * 60_000, "2h 05m left"],
  [9 * 60_000 + 30_000, "9m 30s left"],
  [45_000, "45s left"],
  [0, "expired"],
  [-5_000, "expired"],
])("it formats %i ms as %s", (ms, text) => {
  expect(formatRemaining(ms)).toBe(text);
});

test("it counts down every second and turns to expired", () => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-01-01T12:00:00Z"));
  render(<TtlCountdown expiresAt="2026-01-01T12:00:02Z" />);
  expect(screen.getByText("2s left")).toHaveAttribute("datetime", "2026-01-01T12:00:02Z");

  act(() => vi.advanceTimersByTime(1000));
  expect(screen.getByText("1s left")).toBeInTheDocument();

  act(() => vi.advanceTimersByTime(1000));
  expect(screen.getByText("expired")).toBeInTheDocument();
});

test("it stands out in the last ten minutes", () => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-01-01T12:00:00Z"));
  const { rerender } = render(<TtlCountdown expiresAt="2026-01-01T13:00:00Z" />);
  expect(screen.getByText("1h 00m left").className).not.toContain("soon");

  rerender(<TtlCountdown expiresAt="2026-01-01T12:09:00Z" />);
  expect(screen.getByText("9m 00s left").className).toContain("soon");
});

import { safeNext } from "./AuthForm";

test.each([
  ["/cluster/?id=abc", "/cluster/?id=abc"],
  ["/cluster/?id=abc#logs", "/cluster/?id=abc#logs"],
  [null, "/"],
  ["", "/"],
  ["https://evil.example/", "/"],
  ["//evil.example/", "/"],
  ["/\\evil.example/", "/"],
  // Browsers drop tabs and newlines from URLs, so these become //evil.example.
  ["/\t/evil.example", "/"],
  ["/\n/evil.example/x", "/"],
  ["\t//evil.example", "/"],
  ["javascript:alert(1)", "/"],
  ["/.//evil.example", "/"],
  [`${window.location.origin}/cluster/`, "/cluster/"],
])("after login, ?next=%j leads to %s", (next, destination) => {
  expect(safeNext(next)).toBe(destination);
});

import { safeNext } from "./AuthForm";

test.each([
  ["/cluster/?id=abc", "/cluster/?id=abc"],
  [null, "/"],
  ["https://evil.example/", "/"],
  ["//evil.example/", "/"],
  ["/\\evil.example/", "/"],
])("after login, ?next=%s leads to %s", (next, destination) => {
  expect(safeNext(next)).toBe(destination);
});

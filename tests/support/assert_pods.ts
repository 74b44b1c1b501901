/**
 * The few assertions the pod tests use, on `node:assert/strict`.
 *
 * @module
 */
import nodeAssert from "node:assert/strict";

/** Asserts `value` is truthy. */
export function assert(value: unknown, message?: string): asserts value {
  nodeAssert.ok(value, message ?? "assertion failed");
}

/** Asserts deep equality. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  nodeAssert.deepStrictEqual(actual, expected, message ?? "values differ");
}

/** Asserts `text` matches `re`. */
export function assertMatch(text: string, re: RegExp, message?: string): void {
  nodeAssert.match(text, re, message ?? `expected ${re} to match:\n${text}`);
}

/** Asserts `text` does not contain `needle`. */
export function assertNotIncludes(text: string, needle: string, message?: string): void {
  nodeAssert.ok(!text.includes(needle), message ?? `unexpected "${needle}" in:\n${text}`);
}

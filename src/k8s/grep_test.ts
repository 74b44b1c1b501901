import assert from "node:assert/strict";
import { compileGrep, MAX_GREP_LENGTH } from "./grep.ts";
import { InvalidKubeArgumentError } from "./errors.ts";

Deno.test("compileGrep() matches RE2 syntax case-insensitively", async () => {
  const m = await compileGrep("error|panic|timed? ?out");
  assert.ok(m.test("PANIC: nil map"));
  assert.ok(m.test("request timed out"));
  assert.ok(!m.test("all good"));
  assert.ok((await compileGrep("\\bERR\\b")).test("x err y"));
});

Deno.test("compileGrep() refuses lookaround, backreferences, huge counts and long patterns, naming grep", async () => {
  for (const p of ["(?=x)", "(a)\\1", "a{1001}", "ERROR (", "x".repeat(MAX_GREP_LENGTH + 1)]) {
    await assert.rejects(compileGrep(p), (e: unknown) => {
      assert.ok(e instanceof InvalidKubeArgumentError);
      assert.match(e.message, /^"grep" /);
      return true;
    });
  }
});

Deno.test("compileGrep() runs classic ReDoS patterns in linear time", async () => {
  const line = "a".repeat(1024 * 1024);
  for (const p of ["(.|.)*QQQZ", "(a+)+$", "(a|aa)+b", "(a*)*b", "((a+)+)+b", "(a|a?)+c"]) {
    const m = await compileGrep(p);
    const t = performance.now();
    m.test(line);
    const ms = performance.now() - t;
    // About 10 ms here; backtracking engines take longer than the universe's age.
    assert.ok(ms < 3000, `${p}: ${ms.toFixed(0)} ms`);
  }
});

import assert from "node:assert/strict";
import { UsageError } from "./errors.ts";
import { flagSpec } from "./flags.ts";
import { FlagValues } from "./values.ts";

const noEnv = () => undefined;

Deno.test("FlagValues.integer() returns the table's default when neither flag nor variable is given", () => {
  const values = FlagValues.read([], noEnv);
  assert.equal(values.integer(flagSpec("timeout")), flagSpec("timeout").default);
  assert.equal(values.integer(flagSpec("port")), 8000);
});

Deno.test("FlagValues.read() takes the flag over SIDEKERNEL_<NAME>, and that over alsoEnv", () => {
  const env: Record<string, string> = {
    SIDEKERNEL_JUPYTER_TOKEN: "from-sidekernel",
    JUPYTER_TOKEN: "from-jupyter",
    SIDEKERNEL_TIMEOUT: "5",
  };
  const fromEnv = FlagValues.read([], (name) => env[name]);
  assert.equal(fromEnv.text(flagSpec("jupyter-token")), "from-sidekernel");
  assert.equal(fromEnv.integer(flagSpec("timeout")), 5);
  const fromFlag = FlagValues.read(["--jupyter-token", "typed", "--timeout", "7"], (n) => env[n]);
  assert.equal(fromFlag.text(flagSpec("jupyter-token")), "typed");
  assert.equal(fromFlag.integer(flagSpec("timeout")), 7);
  const onlyJupyter = FlagValues.read([], (name) => name === "JUPYTER_TOKEN" ? "j" : undefined);
  assert.equal(onlyJupyter.text(flagSpec("jupyter-token")), "j");
});

Deno.test("FlagValues.read() treats an empty variable as not set, so the default applies", () => {
  const values = FlagValues.read([], (name) => name === "SIDEKERNEL_TRANSPORT" ? "" : undefined);
  assert.equal(values.choice(flagSpec("transport")), "http");
});

Deno.test("FlagValues.choices() keeps the order given and drops repeats; the default is every toolset", () => {
  const given = FlagValues.read(["--toolsets", "files,python", "--toolsets", "files"], noEnv);
  assert.deepEqual(given.choices(flagSpec("toolsets")), ["files", "python"]);
  const none = FlagValues.read([], noEnv);
  assert.deepEqual(none.choices(flagSpec("toolsets")), flagSpec("toolsets").default);
});

Deno.test("FlagValues.choice() uses the fallback only for a flag without a default", () => {
  const values = FlagValues.read([], noEnv);
  assert.equal(values.choice(flagSpec("executor"), "local"), "local");
  const given = FlagValues.read(["--executor", "subprocess"], noEnv);
  assert.equal(given.choice(flagSpec("executor"), "local"), "subprocess");
});

Deno.test("FlagValues throws UsageError naming the flag for a bad number or choice", () => {
  const values = FlagValues.read(["--max-output", " 12 ", "--kernel-scope", "cluster"], noEnv);
  assert.throws(
    () => values.integer(flagSpec("max-output")),
    (e: unknown) =>
      e instanceof UsageError && e.flag === "max-output" &&
      e.message === '--max-output " 12 " is not a whole number from 200 to 10000000',
  );
  assert.throws(
    () => values.choice(flagSpec("kernel-scope")),
    (e: unknown) =>
      e instanceof UsageError && e.flag === "kernel-scope" &&
      e.message === '--kernel-scope "cluster" is not one of: pod, session',
  );
});

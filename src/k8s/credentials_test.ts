import assert from "node:assert/strict";
import { isSecretKey, maskArgs, maskCredentials } from "./credentials.ts";
import { maskDeep } from "./redact.ts";

Deno.test("maskCredentials() masks by context and keeps the key in sight", () => {
  const cases: [string, string][] = [
    ["--token=abc123def --verbose", "--token=<redacted: 9 chars> --verbose"],
    ["Authorization: Bearer abcdefghijkl1234", "Authorization: Bearer <redacted: 16 chars>"],
    ["postgres://app:hunter2pw@db:5432/app", "postgres://app:<redacted: 9 chars>@db:5432/app"],
    [
      '{"password": "p4ssw0rd!", "user": "bob"}',
      '{"password": "<redacted: 9 chars>", "user": "bob"}',
    ],
    ["export DB_PASSWORD=hunter2 && ./run", "export DB_PASSWORD=<redacted: 7 chars> && ./run"],
    ["Server=db;Password=Sup3rS3cret;", "Server=db;Password=<redacted: 11 chars>;"],
    [
      "GET /cb?code=x&access_token=abcdefgh",
      "GET /cb?code=<redacted: 1 chars>&access_token=<redacted: 8 chars>",
    ],
    ["host db:5432 password:hunter2xx", "host db:5432 password:<redacted: 9 chars>"],
  ];
  for (const [input, expected] of cases) assert.equal(maskCredentials(input), expected, input);
});

Deno.test("maskCredentials() masks shapes wherever they stand", () => {
  const text = "key AKIAIOSFODNN7EXAMPLE and ghp_abcdefghijklmnopqrstuvwxyz0123456789 and " +
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl\n-----BEGIN PRIVATE KEY-----\nMIIE\n" +
    "-----END PRIVATE KEY-----\nend";
  assert.equal(
    maskCredentials(text),
    "key <redacted: 20 chars> and <redacted: 40 chars> and <redacted: 49 chars>\n" +
      "<redacted: private key, 58 chars>\nend",
  );
});

Deno.test("maskCredentials() leaves ordinary pod text alone", () => {
  for (
    const text of [
      "max_tokens=512 total_tokens: 1234 tokenizer=bpe",
      "secretName: db-creds secretKeyRef tokenFile=/var/run/secrets/token",
      "image ghcr.io/org/token-service:1.2 pulled",
      "token expired at 10:00; auth: ok",
      "0/3 nodes are available: 3 Insufficient memory.",
      "Back-off restarting failed container app in pod web-7d4b9-x2x8q",
      "--authorization-mode=Webhook --kubeconfig=/etc/kubernetes/kubelet.conf",
      "automountServiceAccountToken: false",
      "sha256:4c7a2f5e9b1d3c8a6f0e2d4b7a9c1e3f5d7b9a0c2e4f6a8b0d2c4e6f8a0b2c4d",
      "API_TOKEN=<set> DB_PASSWORD=<secret db/password>",
      "basic setup complete",
      "sk-payments-api-7d4b9c8f5-x2x8q   1/1  Running",
    ]
  ) {
    assert.equal(maskCredentials(text), text);
  }
});

Deno.test("maskCredentials() is idempotent", () => {
  for (
    const text of [
      "--token=abc123def",
      "Authorization: Bearer abcdefghijkl1234",
      "https://u:p4ssword@h/?sig=abcdef",
      "password: hunter2",
    ]
  ) {
    const once = maskCredentials(text);
    assert.equal(maskCredentials(once), once);
  }
});

Deno.test("maskArgs() masks the value after a secret flag and user:pass after -u", () => {
  assert.deepEqual(
    maskArgs(["--password", "hunter2", "-u", "bob:pw12345", "-v", "--token=abc12345", "run"]),
    [
      "--password",
      "<redacted: 7 chars>",
      "-u",
      "bob:<redacted: 7 chars>",
      "-v",
      "--token=<redacted: 8 chars>",
      "run",
    ],
  );
});

Deno.test("isSecretKey() tells credentials from references to them", () => {
  for (const k of ["API_TOKEN", "--db-password", "Authorization", "x-api-key", "vault.io/secret"]) {
    assert.ok(isSecretKey(k), k);
  }
  for (const k of ["secretName", "tokenFile", "max_tokens", "key", "name", "private_key_id"]) {
    assert.ok(!isSecretKey(k), k);
  }
});

Deno.test("maskDeep() masks secret-named values and {name, value} headers", () => {
  assert.deepEqual(
    maskDeep({
      options: { password: "flexpass1", server: "nfs" },
      httpHeaders: [{ name: "Authorization", value: "Bearer abc" }, { name: "Accept", value: "x" }],
    }),
    {
      options: { password: "<redacted: 9 chars>", server: "nfs" },
      httpHeaders: [
        { name: "Authorization", value: "<redacted: 10 chars>" },
        { name: "Accept", value: "x" },
      ],
    },
  );
});

Deno.test("maskCredentials() stays linear on hostile 4 MiB texts", () => {
  const n = 4 * 1024 * 1024;
  const rep = (s: string) => s.repeat(Math.ceil(n / s.length)).slice(0, n);
  for (
    const unit of [
      "eyJ",
      "eyJaaaaaaaaa.",
      "-----BEGIN ",
      "password ",
      "Bearer ",
      ": ",
      "a",
      "x=&?",
      "sk-",
    ]
  ) {
    const t = performance.now();
    maskCredentials(rep(unit));
    const ms = performance.now() - t;
    // About 0.3 s here; a quadratic scan would take hours.
    assert.ok(ms < 5000, `${JSON.stringify(unit)}: ${ms.toFixed(0)} ms`);
  }
});

import assert from "node:assert/strict";
import { quoteShort } from "./quote.ts";

Deno.test("quoteShort() keeps a short value whole, JSON-quoted", () => {
  assert.equal(quoteShort("pod-1"), '"pod-1"');
  assert.equal(quoteShort('a"b\n\x00'), '"a\\"b\\n\\u0000"');
});

Deno.test("quoteShort() cuts a 3 MB value to max characters and names its length", () => {
  const text = quoteShort("p".repeat(3 * 1024 * 1024));
  assert.equal(text, `"${"p".repeat(80)}…" (3145728 characters)`);
  assert.ok(text.length < 120);
});

Deno.test("quoteShort() does not split a surrogate pair", () => {
  const text = quoteShort("😀".repeat(10), 3);
  assert.equal(text, '"😀😀😀…" (20 characters)');
});

/**
 * The layer order of `src/` (docs/ARCHITECTURE.md, "Layers"): a module imports
 * only from its own directory or from a layer below it, and three outside
 * libraries are each reached through one directory only. This test parses
 * every import of every non-test module under `src/` and names the file and
 * the import that breaks a rule.
 *
 * @module
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Lowest first; directories on one line are peers and may not import each other. */
const LAYERS: readonly (readonly string[])[] = [
  ["version", "text", "mcp", "async"],
  ["obs"],
  ["config"],
  ["kernel", "k8s", "workspace"],
  ["exec"],
  ["tools"],
  ["server", "inject"],
  ["doctor", "webhook"],
];

/** Layers that model the world outside MCP and must not see the SDK gateway. */
const MCP_AGNOSTIC = ["config", "kernel", "k8s", "inject", "webhook"];

/** Outside libraries each reached through one directory only. */
const GATEWAYS: readonly { prefix: string; only: string; why: string }[] = [
  {
    prefix: "@modelcontextprotocol/sdk",
    only: "mcp",
    why: "src/mcp/sdk.ts is the one gateway to the MCP SDK",
  },
  {
    prefix: "@modelcontextprotocol/server",
    only: "mcp",
    why: "src/mcp/sdk.ts is the one gateway to the MCP SDK",
  },
  { prefix: "@kubernetes/client-node", only: "k8s", why: "src/k8s/ is the Kubernetes façade" },
  { prefix: "ws", only: "kernel", why: "src/kernel/ is the only Jupyter protocol client" },
];

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "..", "src");

/** One import statement found in a module. */
interface Found {
  file: string;
  specifier: string;
}

/**
 * Blanks comments and template-literal bodies (embedded Python and prose) so
 * only real import syntax is left; ordinary string literals are kept because
 * import specifiers are ordinary strings.
 */
function codeOnly(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === "/" && next === "/") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === "/" && next === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, " ");
      i = stop;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== "\n") j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === "`") {
      let j = i + 1;
      while (j < text.length && text[j] !== "`") j += text[j] === "\\" ? 2 : 1;
      out += "``";
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const IMPORT_PATTERNS = [
  /\b(?:import|export)\s+(?:type\s+)?[^;'"]*?\bfrom\s*["']([^"']+)["']/g,
  /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
  /^\s*import\s*["']([^"']+)["']/gm,
];

/** Every import specifier in `text`. */
function importsOf(text: string): string[] {
  const code = codeOnly(text);
  const found: string[] = [];
  for (const pattern of IMPORT_PATTERNS) {
    for (const match of code.matchAll(pattern)) found.push(match[1]);
  }
  return found;
}

/** The layer directory of a path relative to `src/` (`version` for top-level files). */
function layerOf(path: string): string {
  const parts = path.split("/");
  return parts.length === 1 ? "version" : parts[0];
}

function rankOf(layer: string): number {
  return LAYERS.findIndex((row) => row.includes(layer));
}

/** The rule `found` breaks, as a sentence, or undefined when it keeps them all. */
function violation({ file, specifier }: Found): string | undefined {
  const from = layerOf(file);
  const fromRank = rankOf(from);
  if (fromRank < 0) {
    return `"src/${file}": directory "${from}" has no place in LAYERS of tests/layers_test.ts; add it`;
  }
  if (specifier.startsWith(".")) {
    const target = relative(SRC, resolve(SRC, dirname(file), specifier));
    if (target.startsWith("..")) {
      return `"src/${file}" imports "${specifier}", outside src/ (main.ts is the top; nothing in src/ imports it)`;
    }
    const to = layerOf(target);
    if (to === from) return undefined;
    const toRank = rankOf(to);
    if (toRank < 0) {
      return `"src/${file}" imports "${specifier}": directory "${to}" is not in LAYERS`;
    }
    if (toRank >= fromRank) {
      const how = toRank === fromRank ? "a peer layer" : "a higher layer";
      return `"src/${file}" (layer "${from}") imports "${specifier}" from ${how} "${to}"; move the shared part down or the importer up`;
    }
    if (to === "mcp" && MCP_AGNOSTIC.includes(from)) {
      return `"src/${file}" imports "${specifier}": layer "${from}" knows nothing of MCP`;
    }
    return undefined;
  }
  const bare = specifier.replace(/^npm:\/?/, "");
  for (const gateway of GATEWAYS) {
    const hit = bare === gateway.prefix || bare.startsWith(`${gateway.prefix}/`) ||
      bare.startsWith(`${gateway.prefix}@`);
    if (hit && from !== gateway.only) {
      return `"src/${file}" imports "${specifier}"; only src/${gateway.only}/ may (${gateway.why})`;
    }
  }
  return undefined;
}

async function sourceFiles(dir = SRC): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) files.push(...await sourceFiles(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) {
      files.push(relative(SRC, path));
    }
  }
  return files.sort();
}

async function allImports(): Promise<Found[]> {
  const found: Found[] = [];
  for (const file of await sourceFiles()) {
    const text = await Deno.readTextFile(join(SRC, file));
    for (const specifier of importsOf(text)) found.push({ file, specifier });
  }
  return found;
}

Deno.test("no module under src/ imports from its own layer's peers or from a layer above it", async () => {
  const found = await allImports();
  // The parser must see the imports it judges, or this test passes by seeing nothing.
  assert(found.length > 300, `only ${found.length} imports found under src/`);
  assert(
    found.some((f) => f.file === "tools/tool.ts" && f.specifier === "../mcp/sdk.ts"),
    'the import of "../mcp/sdk.ts" in "src/tools/tool.ts" was not found',
  );
  const broken = found.map(violation).filter((v) => v !== undefined);
  assertEquals(broken, [], `imports that break the layer order:\n${broken.join("\n")}`);
});

Deno.test("every directory under src/ has a place in the layer order", async () => {
  const layers = new Set((await sourceFiles()).map(layerOf));
  const missing = [...layers].filter((l) => rankOf(l) < 0);
  assertEquals(missing, [], `directories without a layer: ${missing.join(", ")}`);
});

Deno.test("the checker names the file and the import that runs upward", () => {
  assertEquals(
    violation({ file: "k8s/client.ts", specifier: "../tools/tool.ts" }),
    '"src/k8s/client.ts" (layer "k8s") imports "../tools/tool.ts" from a higher layer "tools"; move the shared part down or the importer up',
  );
  assert(
    violation({ file: "k8s/client.ts", specifier: "../workspace/paths.ts" })?.includes("peer"),
  );
  assert(
    violation({ file: "k8s/client.ts", specifier: "../mcp/sdk.ts" })?.includes("nothing of MCP"),
  );
  assert(
    violation({ file: "exec/output.ts", specifier: "../../main.ts" })?.includes("outside src/"),
  );
  assert(
    violation({ file: "tools/x.ts", specifier: "npm:@modelcontextprotocol/sdk@1/server/mcp.js" })
      ?.includes("only src/mcp/"),
  );
  assert(violation({ file: "exec/x.ts", specifier: "ws" })?.includes("only src/kernel/"));
  assert(
    violation({ file: "server/x.ts", specifier: "@kubernetes/client-node" })?.includes(
      "only src/k8s/",
    ),
  );
  assertEquals(violation({ file: "tools/python.ts", specifier: "../exec/gate.ts" }), undefined);
  assertEquals(violation({ file: "server/x.ts", specifier: "wsx" }), undefined);
});

Deno.test("comments and embedded code are not read as imports", () => {
  const text = [
    '// import { x } from "../server/a.ts";',
    '/** @example import { y } from "../server/b.ts"; */',
    'const py = `from os import path\nimport "../server/c.ts"`;',
    'import {\n  real,\n} from "./real.ts";',
    'const lazy = await import("../k8s/lazy.ts");',
    'export type { T } from "../obs/t.ts";',
  ].join("\n");
  assertEquals(importsOf(text), ["./real.ts", "../obs/t.ts", "../k8s/lazy.ts"]);
});

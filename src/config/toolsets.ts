/**
 * The names of sidekernel's toolsets, kept below config so the `--toolsets`
 * flag, its default and the {@link ToolsetName} type come from one list. The
 * toolsets themselves (their tools, prompts and resources) live in
 * `src/tools/toolsets.ts`, keyed by these names, so a name without a toolset
 * (or a toolset without a name) fails `deno check` (docs/ARCHITECTURE.md).
 *
 * @module
 */

/** Every toolset `--toolsets` accepts, in the order they are served; all are on by default. */
export const TOOLSET_NAMES = ["python", "pods", "files"] as const;

/** A toolset name `--toolsets` accepts. */
export type ToolsetName = typeof TOOLSET_NAMES[number];

/** Whether `value` names a toolset (narrows a checked flag value to {@link ToolsetName}). */
export function isToolsetName(value: string): value is ToolsetName {
  return (TOOLSET_NAMES as readonly string[]).includes(value);
}

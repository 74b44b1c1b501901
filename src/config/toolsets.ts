/**
 * The names of sidekernel's toolsets, kept below config so the `--toolsets`
 * flag, its default and the {@link ToolsetName} type come from one list. The
 * toolsets themselves (their tools, prompts and resources) are built in
 * `src/tools/` as `Toolset` values whose `name` must be one of these, so the
 * flag never offers a toolset the server cannot serve (docs/ARCHITECTURE.md).
 *
 * @module
 */

/**
 * Every toolset `--toolsets` accepts, with the description `--help` shows,
 * in the order they are served; all are on by default.
 */
export const TOOLSETS = {
  python: { description: "run Python" },
  pods: { description: "read-only pods of the namespace" },
  files: { description: "workspace files as resources" },
} as const satisfies Record<string, { description: string }>;

/** The toolset names, in {@link TOOLSETS} order. */
export const TOOLSET_NAMES = Object.keys(TOOLSETS) as (keyof typeof TOOLSETS)[];

/** A toolset name `--toolsets` accepts. */
export type ToolsetName = keyof typeof TOOLSETS;

/** Whether `value` names a toolset (narrows a checked flag value to {@link ToolsetName}). */
export function isToolsetName(value: string): value is ToolsetName {
  return (TOOLSET_NAMES as readonly string[]).includes(value);
}

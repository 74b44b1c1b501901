/**
 * Path containment: every path a client names is resolved here, and only a
 * path whose real location (all symlinks followed) lies under the real
 * workspace root comes back. Everything else is refused with a typed error.
 *
 * Refused: `..` that climbs out, absolute paths elsewhere, the `/workspace2`
 * prefix trap, symlinks (also a symlinked parent directory and a dangling
 * link) that lead out, NUL bytes, segments over 255 bytes, paths over 4096
 * bytes.
 *
 * @module
 */
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";

/** Longest path accepted, in UTF-8 bytes (Linux `PATH_MAX`). */
export const MAX_PATH_BYTES = 4096;
/** Longest path segment accepted, in UTF-8 bytes (Linux `NAME_MAX`). */
export const MAX_SEGMENT_BYTES = 255;
/** Symlinks followed through dangling links before giving up (Linux `MAXSYMLINKS`). */
const MAX_LINK_HOPS = 40;

/** Why a path lies outside the workspace. */
export type OutsideReason = "dotdot" | "absolute" | "symlink";

/** The path leads out of the workspace; nothing was read. */
export class PathOutsideWorkspaceError extends Error {
  override name = "PathOutsideWorkspaceError";
  /** The path as the client sent it. */
  readonly requested: string;
  /** The configured workspace root. */
  readonly workspace: string;
  /** How it got out. */
  readonly reason: OutsideReason;

  constructor(requested: string, workspace: string, reason: OutsideReason, options?: ErrorOptions) {
    const how = {
      dotdot: "its `..` segments climb out of",
      absolute: "it is an absolute path outside",
      symlink: "it goes through a symlink that points outside",
    }[reason];
    super(
      `path "${printable(requested)}" is refused: ${how} the workspace "${workspace}"; ` +
        `name a file under "${workspace}", relative (e.g. "outputs/plot.png") or absolute`,
      options,
    );
    this.requested = requested;
    this.workspace = workspace;
    this.reason = reason;
  }
}

/** Why a path is malformed. */
export type InvalidPathReason = "nul" | "segment-too-long" | "too-long";

/** The path is malformed (NUL byte, overlong name); nothing was read. */
export class InvalidPathError extends TypeError {
  override name = "InvalidPathError";
  /** The path as the client sent it (NUL bytes shown as `\0`, cut at 120 characters). */
  readonly requested: string;
  /** What is wrong with it. */
  readonly reason: InvalidPathReason;

  constructor(requested: string, reason: InvalidPathReason) {
    const shown = printable(requested);
    const what = {
      "nul": "it contains a NUL byte; remove it",
      "segment-too-long": `a segment is longer than ${MAX_SEGMENT_BYTES} bytes; use shorter names`,
      "too-long": `it is longer than ${MAX_PATH_BYTES} bytes; use a shorter path`,
    }[reason];
    super(`path "${shown}" is refused: ${what}`);
    this.requested = shown;
    this.reason = reason;
  }
}

/** The path is inside the workspace but nothing is there. */
export class PathNotFoundError extends Error {
  override name = "PathNotFoundError";
  /** The path as the client sent it. */
  readonly requested: string;

  constructor(requested: string, workspace: string, options?: ErrorOptions) {
    super(
      `path "${requested}" not found in the workspace "${workspace}"; ` +
        `list the workspace (or its parent directory) to see what exists`,
      options,
    );
    this.requested = requested;
  }
}

/** Options of {@link Workspace.resolve}. */
export interface ResolveOptions {
  /**
   * Return a contained path even when nothing exists there yet (for writing).
   * @default false
   */
  allowMissing?: boolean;
}

/**
 * A workspace root and the containment rules for paths under it.
 *
 * @example
 * ```ts
 * const ws = await Workspace.open("/workspace");
 * await ws.resolve("outputs/plot.png"); // "/workspace/outputs/plot.png"
 * await ws.resolve("../etc/passwd"); // throws PathOutsideWorkspaceError
 * ```
 */
export class Workspace {
  /** The configured root, absolute. */
  readonly root: string;
  /** The root with all symlinks resolved. */
  readonly realRoot: string;

  private constructor(root: string, realRoot: string) {
    this.root = root;
    this.realRoot = realRoot;
  }

  /**
   * Opens a workspace at an existing directory.
   *
   * @throws {PathNotFoundError} when the root does not exist
   */
  static async open(root: string): Promise<Workspace> {
    const absolute = resolve(root);
    try {
      return new Workspace(absolute, await Deno.realPath(absolute));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new PathNotFoundError(absolute, absolute, { cause: error });
      }
      throw error;
    }
  }

  /**
   * Resolves a path relative to the root (or absolute under it) to its real
   * absolute location, refusing everything that leaves the workspace.
   *
   * @throws {InvalidPathError} NUL byte or overlong name
   * @throws {PathOutsideWorkspaceError} `..`, absolute or symlink escape
   * @throws {PathNotFoundError} nothing there (unless `allowMissing`)
   */
  async resolve(requested: string, options: ResolveOptions = {}): Promise<string> {
    validateShape(requested);
    let candidate: string;
    if (isAbsolute(requested)) {
      candidate = resolve(requested);
      if (!isWithin(this.root, candidate) && !isWithin(this.realRoot, candidate)) {
        throw new PathOutsideWorkspaceError(requested, this.root, "absolute");
      }
    } else {
      candidate = resolve(this.root, requested);
      if (!isWithin(this.root, candidate)) {
        throw new PathOutsideWorkspaceError(requested, this.root, "dotdot");
      }
    }
    return await this.#follow(requested, candidate, options, 0);
  }

  /** The path of a real location relative to the real root (`""` for the root). */
  relativeOf(realPath: string): string {
    return relative(this.realRoot, realPath).split(sep).join("/");
  }

  async #follow(
    requested: string,
    candidate: string,
    options: ResolveOptions,
    hops: number,
  ): Promise<string> {
    // Walk up to the deepest ancestor that resolves, collecting what is missing.
    const missing: string[] = [];
    let ancestor = candidate;
    let real: string;
    for (;;) {
      try {
        real = await Deno.realPath(ancestor);
        break;
      } catch (error) {
        if (!isMissing(error)) throw error;
        const parent = dirname(ancestor);
        if (parent === ancestor) {
          throw new PathNotFoundError(requested, this.root, { cause: error });
        }
        missing.unshift(basename(ancestor));
        ancestor = parent;
      }
    }
    if (!isWithin(this.realRoot, real)) {
      throw new PathOutsideWorkspaceError(requested, this.root, "symlink");
    }
    if (missing.length === 0) return real;
    // The first missing segment may be a dangling symlink: judge where it points.
    const next = join(real, missing[0]);
    const link = await Deno.lstat(next).catch(() => undefined);
    if (link?.isSymlink) {
      if (hops >= MAX_LINK_HOPS) {
        throw new PathNotFoundError(requested, this.root, { cause: new Error("symlink loop") });
      }
      const pointsTo = await Deno.readLink(next).catch(() => undefined);
      // No longer a link (swapped back since the lstat): look again from the start.
      if (pointsTo === undefined) {
        return await this.#follow(requested, candidate, options, hops + 1);
      }
      const target = resolve(real, pointsTo, ...missing.slice(1));
      if (!isWithin(this.realRoot, target) && !isWithin(this.root, target)) {
        throw new PathOutsideWorkspaceError(requested, this.root, "symlink");
      }
      return await this.#follow(requested, target, options, hops + 1);
    }
    if (!options.allowMissing) throw new PathNotFoundError(requested, this.root);
    return join(real, ...missing);
  }
}

/**
 * Resolves `requested` under `workspaceRoot`; shorthand for
 * `(await Workspace.open(root)).resolve(requested)`.
 *
 * @example
 * ```ts
 * await resolveInWorkspace("/workspace", "outputs/plot.png");
 * ```
 * @throws {InvalidPathError | PathOutsideWorkspaceError | PathNotFoundError}
 */
export async function resolveInWorkspace(
  workspaceRoot: string,
  requested: string,
  options?: ResolveOptions,
): Promise<string> {
  return await (await Workspace.open(workspaceRoot)).resolve(requested, options);
}

/** `child` is `parent` or lies under it (so `/workspace2` is not under `/workspace`). */
export function isWithin(parent: string, child: string): boolean {
  if (child === parent) return true;
  const prefix = parent.endsWith(sep) ? parent : parent + sep;
  return child.startsWith(prefix);
}

const encoder = new TextEncoder();

function validateShape(requested: string): void {
  if (requested.includes("\0")) throw new InvalidPathError(requested, "nul");
  if (encoder.encode(requested).length > MAX_PATH_BYTES) {
    throw new InvalidPathError(requested, "too-long");
  }
  for (const segment of requested.split("/")) {
    if (encoder.encode(segment).length > MAX_SEGMENT_BYTES) {
      throw new InvalidPathError(requested, "segment-too-long");
    }
  }
}

function isMissing(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory ||
    error instanceof Deno.errors.FilesystemLoop;
}

function printable(path: string): string {
  const shown = path.replaceAll("\0", "\\0");
  return shown.length > 120 ? `${shown.slice(0, 60)}…${shown.slice(-40)}` : shown;
}

/**
 * Process facts for fault tests, read with `ps` as an operator would: who is
 * running, their resident memory, and waiting for something to hold.
 *
 * @module
 */

/** One process from `ps`. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** `ps` state letters, e.g. `S`, `Z`. */
  stat: string;
  args: string;
}

/** Every process on the machine except zombies. */
export async function processes(): Promise<ProcessInfo[]> {
  const { stdout } = await new Deno.Command("ps", {
    args: ["-eo", "pid=,ppid=,stat=,args="],
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(stdout).split("\n").flatMap((line) => {
    const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (!m || m[3].startsWith("Z")) return [];
    return [{ pid: Number(m[1]), ppid: Number(m[2]), stat: m[3], args: m[4] }];
  });
}

/** Living processes whose command line contains `needle`. */
export async function processesMatching(needle: string): Promise<ProcessInfo[]> {
  return (await processes()).filter((p) => p.args.includes(needle) && !p.args.startsWith("ps "));
}

/** Living descendants of `pid` (not `pid` itself). */
export async function descendants(pid: number): Promise<ProcessInfo[]> {
  const all = await processes();
  const found: ProcessInfo[] = [];
  const parents = new Set([pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of all) {
      if (parents.has(p.ppid) && !parents.has(p.pid)) {
        parents.add(p.pid);
        found.push(p);
        grew = true;
      }
    }
  }
  return found;
}

export { rssMiB } from "../../support/server.ts";

/** True while `pid` exists and is not a zombie. */
export async function alive(pid: number): Promise<boolean> {
  const { stdout } = await new Deno.Command("ps", {
    args: ["-o", "stat=", "-p", String(pid)],
    stdout: "piped",
  }).output();
  const stat = new TextDecoder().decode(stdout).trim();
  return stat !== "" && !stat.startsWith("Z");
}

/**
 * Polls `check` every 100 ms until it returns true or `timeoutMs` passes.
 *
 * @returns Whether it held in time.
 */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(100);
  }
  return await check();
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A value at quantile `q` (0..1) of `values` (nearest rank). */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

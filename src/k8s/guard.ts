/**
 * The namespace guard and argument checks that run before any API call:
 * a request may only name an allowed namespace, and names or selectors can
 * neither traverse paths nor widen the scope.
 *
 * @module
 */
import { quoteShort } from "../text/quote.ts";
import { InvalidKubeArgumentError, NamespaceNotAllowedError } from "./errors.ts";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** True when `value` is a DNS-1123 label (namespace and container names). */
export function isDnsLabel(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

/** True when `value` is a DNS-1123 subdomain (pod names). */
export function isDnsSubdomain(value: string): boolean {
  return value.length <= 253 && DNS1123_SUBDOMAIN.test(value);
}

/**
 * Resolves and checks the namespace of every tool request.
 *
 * @example
 * ```ts
 * const guard = new NamespaceGuard(["team-a"]);
 * guard.resolve(undefined); // "team-a"
 * guard.resolve("kube-system"); // throws NamespaceNotAllowedError
 * ```
 */
export class NamespaceGuard {
  /** Allowed namespaces; the first is the default. */
  readonly allowed: readonly string[];

  /**
   * @param allowed the namespaces tools may use; the first is the default.
   * @throws {InvalidKubeArgumentError} when the list is empty or holds a non-DNS-1123 name.
   */
  constructor(allowed: readonly string[]) {
    if (allowed.length === 0) throw new InvalidKubeArgumentError("No namespace is allowed");
    for (const ns of allowed) {
      if (!isDnsLabel(ns)) {
        throw new InvalidKubeArgumentError(
          `Configured namespace "${ns}" is not a valid namespace name (DNS-1123 label)`,
        );
      }
    }
    this.allowed = Object.freeze([...new Set(allowed)]);
  }

  /** The default namespace (the own one unless configured otherwise). */
  get defaultNamespace(): string {
    return this.allowed[0];
  }

  /**
   * Returns the namespace to use for a request.
   *
   * @param requested the tool's `namespace` argument; `undefined` means the default.
   * @throws {NamespaceNotAllowedError} for any namespace outside the allowed ones,
   * including `""`, `"*"`, `"all"` and names that are not DNS-1123 labels.
   */
  resolve(requested: string | undefined): string {
    if (requested === undefined) return this.defaultNamespace;
    if (!isDnsLabel(requested)) {
      throw new NamespaceNotAllowedError(requested, this.allowed, "not a namespace name");
    }
    if (!this.allowed.includes(requested)) {
      throw new NamespaceNotAllowedError(requested, this.allowed);
    }
    return requested;
  }
}

/**
 * Checks a pod name.
 *
 * @throws {InvalidKubeArgumentError} unless it is a DNS-1123 subdomain.
 */
export function checkPodName(name: string): string {
  if (!isDnsSubdomain(name)) {
    throw new InvalidKubeArgumentError(
      `${quoteShort(name)} is not a valid pod name (lower-case letters, digits, "-" and "."). ` +
        `List pods with pods_list.`,
    );
  }
  return name;
}

/**
 * Checks a container name.
 *
 * @throws {InvalidKubeArgumentError} unless it is a DNS-1123 label.
 */
export function checkContainerName(name: string): string {
  if (!isDnsLabel(name)) {
    throw new InvalidKubeArgumentError(`${quoteShort(name)} is not a valid container name`);
  }
  return name;
}

/**
 * Checks a field selector. It is sent as one URL-encoded query parameter of a
 * namespaced path, so it cannot widen the scope; `metadata.namespace` terms
 * are refused anyway because the namespace belongs in the `namespace` argument.
 *
 * @throws {InvalidKubeArgumentError} for `metadata.namespace` terms or control characters.
 */
export function checkFieldSelector(selector: string | undefined): string | undefined {
  if (selector === undefined || selector.trim() === "") return undefined;
  checkSelectorText(selector, "fieldSelector");
  for (const term of selector.split(",")) {
    const key = term.split(/!=|==|=/)[0].trim();
    if (key === "metadata.namespace" || key === "involvedObject.namespace") {
      throw new InvalidKubeArgumentError(
        `fieldSelector ${quoteShort(selector)} may not select on ${quoteShort(key)}: ` +
          `use the "namespace" argument instead.`,
      );
    }
  }
  return selector;
}

/**
 * Checks a label selector (labels cannot change which namespace is read).
 *
 * @throws {InvalidKubeArgumentError} for control characters or an over-long selector.
 */
export function checkLabelSelector(selector: string | undefined): string | undefined {
  if (selector === undefined || selector.trim() === "") return undefined;
  checkSelectorText(selector, "labelSelector");
  return selector;
}

function checkSelectorText(selector: string, what: string): void {
  // deno-lint-ignore no-control-regex
  if (selector.length > 1024 || /[\u0000-\u001f]/.test(selector)) {
    throw new InvalidKubeArgumentError(
      `${what} ${quoteShort(selector)} is too long (over 1024 characters) or has control ` +
        `characters`,
    );
  }
}

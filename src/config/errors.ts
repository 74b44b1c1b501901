/**
 * Errors of the command line.
 *
 * @module
 */

/** A bad flag or value: the program prints the message and exits 2. */
export class UsageError extends Error {
  /** The flag at fault, without dashes ("" when none applies). */
  readonly flag: string;
  /**
   * @param flag the flag at fault, without dashes
   * @param message what was wrong, the accepted values and what to do
   */
  constructor(flag: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UsageError";
    this.flag = flag;
  }
}

/** The sidekernel version, printed by `sidekernel version` and sent as `serverInfo.version`. */
export const VERSION = "0.1.0";

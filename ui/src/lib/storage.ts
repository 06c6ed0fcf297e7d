// Settings' storage block: the limits offered for downloaded files.

export const MIB = 1024 * 1024;

/** The usual limits, in MiB. */
const LIMITS = [128, 256, 512, 1024, 2048, 5120, 10240];

/** The limits to offer: the usual ones and the current one (set elsewhere, e.g. by the CLI), in order. */
export function limitChoices(currentBytes: number): number[] {
  const current = Math.max(1, Math.round(currentBytes / MIB));
  return [...new Set([...LIMITS, current])].sort((a, b) => a - b);
}

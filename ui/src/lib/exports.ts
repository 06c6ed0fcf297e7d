// Pure helpers of the export screens (admin area's Exports tab, Settings' "Download my data").
import type { ExportSummary } from "./bindings";

/** The rows of one JSON Lines file of the export (`people`, `posts`, ...), 0 when absent. */
export function exportRows(summary: ExportSummary, name: string): number {
  return summary.counts.find((count) => count.name === name)?.rows ?? 0;
}

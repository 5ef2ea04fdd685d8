/** Drift thresholds of `compare`, apart from compare.ts so the CLI can show the defaults without loading it. */
export interface DriftThresholds {
  /** A milestone drifted when it is reached more than this many percent later... */
  percent: number;
  /** ...and more than this many seconds later. */
  seconds: number;
}

export const DEFAULT_DRIFT: DriftThresholds = { percent: 25, seconds: 2 };

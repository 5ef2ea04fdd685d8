/**
 * Ctrl-C (and SIGTERM, SIGHUP) during a run: the boots in progress stop, are recorded as infra
 * "interrupted by SIGINT" (junit.xml, timeline.json), and bootlog exits 128 + signal. An
 * interrupted boot says nothing about the guest, so it is left out of history trends.
 */
export const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
export type StopSignal = keyof typeof SIGNAL_EXIT;

let received: StopSignal | undefined;
const listeners = new Set<(signal: StopSignal) => void>();

/** The signal that interrupted this process, if any. */
export const interruptedBy = (): StopSignal | undefined => received;

/** The reason recorded for an interrupted boot. */
export const interruptionReason = (signal: StopSignal): string => `interrupted by ${signal}`;

/** Whether a recorded error is an interruption (not a verdict on the guest). */
export const isInterruption = (error: string | null | undefined): boolean =>
  !!error && /^interrupted by SIG[A-Z]+/.test(error);

/** Call `listener` when a stop signal arrives (at once if one already has); returns the unsubscribe. */
export function onInterrupt(listener: (signal: StopSignal) => void): () => void {
  listeners.add(listener);
  if (received) listener(received);
  return () => listeners.delete(listener);
}

/** Whether anyone will record the interruption (a run in progress). */
export const interruptWatched = (): boolean => listeners.size > 0;

export function interrupt(signal: StopSignal): void {
  if (received) return;
  received = signal;
  for (const listener of [...listeners]) listener(signal);
}

/** A run cut short by a stop signal: nothing after it may start (bisect steps, culprit probes). */
export class Interrupted extends Error {
  override name = "Interrupted";
}

/** Throws once a stop signal arrived: loops over runs call it before starting the next one. */
export function throwIfInterrupted(): void {
  if (received) throw new Interrupted(interruptionReason(received));
}

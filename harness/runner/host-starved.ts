/**
 * When the host, not the guest, is to blame. The guest's clock (counted-clock.ts) stretches a
 * window by the time QEMU was denied a CPU; on a host busy enough that stretching has no end, so
 * it is bounded: once a window has lasted STARVED_RATIO times its limit in wall time while the
 * guest's clock is still short of the limit (the guest got less than a quarter of its chances),
 * the boot is infra ("host starved"), never a hang or a timeout. A real hang on a busy host that
 * still gives the guest a quarter of the CPU it asks for is called as a hang, later by exactly
 * the time the guest was denied.
 */
import type { ClockMark, ClockTotals } from "./counted-clock.ts";

export const STARVED_RATIO = 4;

const s = (x: number) => `${x.toFixed(1)} s`;

/** "host starved: …" when the window opened at `from` has run STARVED_RATIO × `limitS` of wall time and the guest's clock has not reached `limitS`. */
export function hostStarved(from: ClockMark, now: ClockMark, limitS: number, during: string): string | undefined {
  const wall = now.wallS - from.wallS;
  const counted = now.countedS - from.countedS;
  if (counted >= limitS || wall < STARVED_RATIO * limitS) return undefined;
  const waited = now.waitedS - from.waitedS;
  return (
    `host starved: QEMU waited ${s(waited)} for a CPU during ${s(wall)} of ${during}` +
    ` (the guest's clock counted ${s(counted)} of its ${s(limitS)} limit; the bound is ${STARVED_RATIO} × the limit in wall time)`
  );
}

/** The guest's clock lagging wall time by less than this is noise, not worth a word in the verdict. */
export const HOST_BUSY_S = 1;

/** ` (host busy: waited 12.3 s)` when the time the guest was denied moved the verdict's timing; else "". */
export function hostBusyNote(share: Pick<ClockTotals, "wallS" | "countedS">): string {
  const denied = share.wallS - share.countedS;
  return denied >= HOST_BUSY_S ? ` (host busy: waited ${s(denied)})` : "";
}

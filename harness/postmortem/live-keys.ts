/**
 * Keys typed into a console that still answers, before QEMU is stopped: Xen's debug keys and
 * Linux's SysRq over hvc. Three Ctrl-A switch Xen's serial input to Xen, three more give it back
 * to dom0. QEMU's -nographic multiplexes its monitor on stdio with Ctrl-A as escape, but with
 * stdin a pipe (as bootlog runs it) every Ctrl-A reaches the guest as typed: doubling them, as a
 * person at a terminal would, switches twice (measured: Xen says "Serial input to Xen" and at
 * once "Serial input to DOM0").
 */

export interface LiveConsole {
  write(text: string): void;
  /** Receive console bytes until the returned function is called. */
  listen(listener: (bytes: Buffer) => void): () => void;
}

export interface LiveKeysResult {
  /** What was typed, readable: `Ctrl-A x3, q, 0, r, Ctrl-A x3, Ctrl-O l, Ctrl-O w`. */
  sent: string;
  text: string;
  ms: number;
  /** Anything came back. */
  answered: boolean;
}

const SWITCH = "\x01\x01\x01";
const CTRL_O = "\x0f";

interface Key {
  bytes: string;
  label: string;
}

export function liveKeySequence(xen: boolean, hvcSysrq: boolean): Key[] {
  const keys: Key[] = [];
  if (xen) {
    keys.push(
      { bytes: SWITCH, label: "Ctrl-A x3" },
      { bytes: "q", label: "q" },
      { bytes: "0", label: "0" },
      { bytes: "r", label: "r" },
      { bytes: SWITCH, label: "Ctrl-A x3" },
    );
  }
  if (hvcSysrq) keys.push({ bytes: `${CTRL_O}l`, label: "Ctrl-O l" }, { bytes: `${CTRL_O}w`, label: "Ctrl-O w" });
  return keys;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Type the keys with a pause after each, collecting what the console prints; stop at `budgetMs`
 * in all cases, and after the first key when nothing at all comes back (a dead console).
 */
export async function typeLiveKeys(console: LiveConsole, keys: Key[], budgetMs = 3000): Promise<LiveKeysResult> {
  const started = performance.now();
  const chunks: Buffer[] = [];
  let received = 0;
  const stop = console.listen((bytes) => {
    chunks.push(Buffer.from(bytes));
    received += bytes.length;
  });
  const sent: string[] = [];
  const pause = Math.max(100, Math.floor((budgetMs * 0.8) / Math.max(1, keys.length)));
  try {
    for (const key of keys) {
      if (performance.now() - started + pause > budgetMs) break;
      console.write(key.bytes);
      sent.push(key.label);
      await sleep(pause);
      if (received === 0 && sent.length === 1 && keys.length > 1) {
        // Give a slow console one more pause before calling it dead.
        await sleep(Math.min(pause, budgetMs - (performance.now() - started)));
        if (received === 0) break;
      }
    }
  } finally {
    stop();
  }
  const text = Buffer.concat(chunks).toString("utf8").replace(/\r/g, "");
  return { sent: sent.join(", "), text, ms: performance.now() - started, answered: received > 0 };
}

/**
 * Which keys a boot's console may be sent after its verdict, decided from what it printed: only
 * after a hang or timeout (something may still listen), and only where Xen was heard ("(XEN)"),
 * with Linux's SysRq over hvc when the kernel command line enables it. The runner feeds it every
 * read and asks once; it knows nothing of Xen.
 */
export function liveKeysWatch(linuxCommandLine: string | undefined): {
  heard(bytes: Buffer): void;
  keysAfter(outcome: string): { xen: boolean; hvcSysrq: boolean } | undefined;
} {
  let xenSpoke = false;
  return {
    heard(bytes) {
      if (!xenSpoke && bytes.includes("(XEN)")) xenSpoke = true;
    },
    keysAfter(outcome) {
      if (!((outcome === "hang" || outcome === "timeout") && xenSpoke)) return undefined;
      return { xen: true, hvcSysrq: /\bsysrq_always_enabled\b/.test(linuxCommandLine ?? "") };
    },
  };
}

import { execa, type ResultPromise } from "execa";
import pTimeout from "p-timeout";
import { interrupt, interruptedBy, interruptWatched, SIGNAL_EXIT, type StopSignal } from "../interrupt.ts";

export interface MachineExit {
  code: number | null;
  signal: string | null;
  /** We killed it (verdict reached, or bootlog is stopping). */
  killedByUs: boolean;
  stderr: string;
}

export interface RunningMachine {
  pid: number;
  write(text: string): void;
  onData(listener: (bytes: Buffer) => void): void;
  exited: Promise<MachineExit>;
  /** Kill the whole process group and wait for it. */
  stop(): Promise<MachineExit>;
}

const live = new Set<number>();

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Every way out of bootlog takes its machines along. */
function killAllGroups(): void {
  for (const pid of live) killGroup(pid);
}

/** How long a run may take to record its interrupted boots before bootlog exits anyway. */
const RECORD_GRACE_MS = 10_000;

let handlersInstalled = false;
/** Stop signals end every machine; a run in progress records its boots as interrupted first (a second signal does not wait). */
export function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", killAllGroups);
  for (const signal of Object.keys(SIGNAL_EXIT) as StopSignal[]) {
    const code = SIGNAL_EXIT[signal];
    process.on(signal, () => {
      if (live.size) process.stderr.write(`bootlog: ${signal}: ${live.size} machine(s) stopped\n`);
      if (interruptedBy() || !interruptWatched()) {
        killAllGroups();
        process.exit(code);
      }
      process.exitCode = code;
      process.on("exit", () => (process.exitCode = code));
      interrupt(signal);
      killAllGroups();
      setTimeout(() => process.exit(code), RECORD_GRACE_MS).unref();
    });
  }
}

const STDERR_KEEP = 8 * 1024;
const STOP_WAIT_MS = 10_000;

/**
 * Start QEMU in its own process group with the serial console on stdin/stdout. `setpriv
 * --pdeathsig KILL` makes the kernel kill QEMU if bootlog itself dies by SIGKILL, when no
 * handler of ours can run.
 */
export function startMachine(binary: string, argv: string[]): RunningMachine {
  installExitHandlers();
  const child: ResultPromise = execa("setpriv", ["--pdeathsig", "KILL", "--", binary, ...argv], {
    detached: true,
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
    buffer: false,
    reject: false,
    cleanup: true,
  });
  const pid = child.pid!;
  live.add(pid);
  let stderr = "";
  child.stderr!.on("data", (b: Buffer) => {
    if (stderr.length < STDERR_KEEP) stderr += b.toString("utf8");
  });
  child.stdin!.on("error", () => {}); // QEMU gone: nothing left to type to
  let killedByUs = false;
  const exited = child.then((r) => {
    live.delete(pid);
    killGroup(pid); // anything QEMU left in its group
    return { code: r.exitCode ?? null, signal: r.signal ?? null, killedByUs, stderr: stderr.trim() };
  });
  return {
    pid,
    write: (text) => void child.stdin!.write(text),
    onData: (listener) => void child.stdout!.on("data", listener),
    exited,
    stop: () => {
      killedByUs = true;
      killGroup(pid);
      // SIGKILL cannot be ignored, but a process stuck in the kernel can outlive it: say so rather than wait forever.
      return pTimeout(exited, {
        milliseconds: STOP_WAIT_MS,
        message: `QEMU (pid ${pid}) still running ${STOP_WAIT_MS / 1000} s after SIGKILL`,
      });
    },
  };
}

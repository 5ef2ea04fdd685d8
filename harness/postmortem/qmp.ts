import { createConnection, type Socket } from "node:net";

/** QEMU said no, or the socket failed: the message names which. */
export class QmpError extends Error {
  override name = "QmpError";
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * A minimal QMP client over a unix socket: one JSON object per line, commands answered in
 * order, asynchronous events ignored. No npm package for QMP is maintained, and the protocol
 * needs no more than this.
 */
export class QmpClient {
  private buffer = "";
  private readonly queue: Pending[] = [];
  private greeted!: Promise<void>;
  private failure?: Error;

  private constructor(private readonly socket: Socket) {}

  /** Connect, read the greeting and negotiate capabilities, all within `timeoutMs`. */
  static async connect(path: string, timeoutMs: number): Promise<QmpClient> {
    const socket = createConnection(path);
    socket.setTimeout(timeoutMs);
    const client = new QmpClient(socket);
    client.greeted = new Promise((resolve, reject) => {
      client.queue.push({ resolve: () => resolve(), reject });
    });
    socket.on("data", (data) => client.receive(data.toString("utf8")));
    socket.on("timeout", () => client.fail(new QmpError(`QMP ${path}: no answer within ${timeoutMs} ms`)));
    socket.on("error", (error) => client.fail(new QmpError(`QMP ${path}: ${error.message}`)));
    socket.on("close", () => client.fail(new QmpError(`QMP ${path}: QEMU closed the socket`)));
    await client.greeted;
    await client.execute("qmp_capabilities");
    return client;
  }

  private receive(text: string): void {
    this.buffer += text;
    for (let nl = this.buffer.indexOf("\n"); nl >= 0; nl = this.buffer.indexOf("\n")) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (!line) continue;
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(line) as Record<string, unknown>;
      } catch {
        this.fail(new QmpError(`QMP: not JSON: ${line.slice(0, 120)}`));
        return;
      }
      if ("event" in message) continue;
      const pending = this.queue.shift();
      if (!pending) continue;
      if ("error" in message) {
        const error = message.error as { class?: string; desc?: string };
        pending.reject(new QmpError(`QMP: ${error.class ?? "error"}: ${error.desc ?? line}`));
      } else pending.resolve("return" in message ? message.return : message);
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const pending of this.queue.splice(0)) pending.reject(this.failure);
    this.socket.destroy();
  }

  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ resolve: resolve as (value: unknown) => void, reject });
      this.socket.write(`${JSON.stringify(args ? { execute: command, arguments: args } : { execute: command })}\n`);
    });
  }

  /** A human monitor command's text (e.g. `info registers -a`). */
  hmp(commandLine: string): Promise<string> {
    return this.execute<string>("human-monitor-command", { "command-line": commandLine });
  }

  /** How long the socket may stay silent (a pmemsave of gigabytes answers only when done). */
  setTimeout(ms: number): void {
    this.socket.setTimeout(ms);
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * Reading what LAVA kept of a job: its log (lava-run's standard output, one `{dt, lvl, msg}` per
 * line, or a server's `output.yaml` / `lavacli jobs logs --raw`, the same entries as a YAML list),
 * its results (`lavacli results ID --yaml` / the REST API's YAML: a list of {suite, name, result,
 * logged, metadata}) and its definition (the exported job.yaml, for the milestone list and the
 * bootlog metadata). A directory holds any of them under the names below.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";

export class LavaImportError extends Error {
  override name = "LavaImportError";
}

/** One entry of a LAVA job log. */
export interface LogEntry {
  /** Milliseconds since the epoch. */
  t: number;
  lvl: string;
  msg: unknown;
}

/** One LAVA result, from the log or from the server's results. */
export interface LavaResult {
  definition: string;
  case: string;
  result: string;
  /** When it was logged (ms since the epoch), when known. */
  t?: number;
  extra?: Record<string, unknown>;
  errorMsg?: string;
  errorType?: string;
}

export interface LavaJobFiles {
  /** What was read, for messages. */
  source: string;
  definition?: Record<string, unknown>;
  log: LogEntry[];
  results: LavaResult[];
}

/** Names looked for in a directory, in order. */
export const LOG_NAMES = ["output.yaml", "output.log", "lava-run.log", "job.log"];
export const RESULT_NAMES = ["results.yaml", "results.json"];
export const DEFINITION_NAMES = ["job.yaml", "definition.yaml", "job-definition.yaml"];

type Doc = Record<string, unknown>;
const isDoc = (v: unknown): v is Doc => typeof v === "object" && v !== null && !Array.isArray(v);

/** LAVA writes timestamps without a zone, in UTC. */
function time(value: unknown): number | undefined {
  if (typeof value !== "string" || !value) return undefined;
  // "2026-11-26T18:23:26.310223" (dispatcher) or "2026-11-26 18:23:26.310223+00:00" (server): ISO with ms.
  const iso = value
    .trim()
    .replace(" ", "T")
    .replace(/(\.\d{3})\d+/, "$1");
  const t = Date.parse(/[zZ]$|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
  return Number.isNaN(t) ? undefined : t;
}

/** A log line: lava-run prints flow mappings that are nearly JSON (a `! "…"` tag here and there). */
function logLine(line: string): Doc | undefined {
  const text = line.replace(/^- /, "").trim();
  if (!text.startsWith("{")) return undefined;
  try {
    return JSON.parse(text) as Doc;
  } catch {
    try {
      const v: unknown = parse(text);
      return isDoc(v) ? v : undefined;
    } catch {
      return undefined;
    }
  }
}

export function parseLog(text: string, source: string): LogEntry[] {
  const entries: LogEntry[] = [];
  for (const line of text.split("\n")) {
    const doc = logLine(line);
    const t = doc ? time(doc.dt) : undefined;
    if (!doc || t === undefined || typeof doc.lvl !== "string") continue;
    entries.push({ t, lvl: doc.lvl, msg: doc.msg });
  }
  if (!entries.length && text.trim())
    throw new LavaImportError(`${source}: no LAVA log entries ({dt, lvl, msg}) in it`);
  return entries;
}

export function resultsFromLog(log: LogEntry[]): LavaResult[] {
  return log.flatMap((e) => {
    if (e.lvl !== "results" || !isDoc(e.msg)) return [];
    const m = e.msg;
    return [
      {
        definition: String(m.definition ?? ""),
        case: String(m.case ?? ""),
        result: String(m.result ?? ""),
        t: e.t,
        ...(isDoc(m.extra) ? { extra: m.extra } : {}),
        ...(typeof m.error_msg === "string" ? { errorMsg: m.error_msg } : {}),
        ...(typeof m.error_type === "string" ? { errorType: m.error_type } : {}),
      },
    ];
  });
}

/** The server's results export: a list of test cases. */
export function parseServerResults(value: unknown, source: string): LavaResult[] {
  const list = Array.isArray(value) ? value : isDoc(value) && Array.isArray(value.results) ? value.results : undefined;
  if (!list) throw new LavaImportError(`${source}: not a list of LAVA results`);
  return list.map((item: unknown, i) => {
    if (!isDoc(item)) throw new LavaImportError(`${source}: [${i}]: not a result (a mapping)`);
    const meta = isDoc(item.metadata) ? item.metadata : {};
    const definition = item.suite ?? item.definition ?? meta.definition;
    const name = item.name ?? item.case ?? meta.case;
    const result = item.result ?? meta.result;
    if (typeof definition !== "string" || typeof name !== "string" || typeof result !== "string")
      throw new LavaImportError(`${source}: [${i}]: a result needs suite, name and result`);
    const t = time(item.logged);
    return {
      definition,
      case: name,
      result,
      ...(t === undefined ? {} : { t }),
      ...(isDoc(meta.extra) ? { extra: meta.extra } : {}),
      ...(typeof meta.error_msg === "string" ? { errorMsg: meta.error_msg } : {}),
      ...(typeof meta.error_type === "string" ? { errorType: meta.error_type } : {}),
    };
  });
}

/** A YAML or JSON file: a job log, a results list or a job definition, told apart by content. */
async function readOne(path: string, into: LavaJobFiles): Promise<void> {
  const text = await readFile(path, "utf8").catch((error: Error) => {
    throw new LavaImportError(`${path}: ${error.message}`);
  });
  const firstLine =
    text
      .slice(0, 2000)
      .split("\n")
      .find((l) => l.trim() && !l.startsWith("#")) ?? "";
  const entry = logLine(firstLine);
  if (entry && "lvl" in entry && "dt" in entry) {
    into.log = parseLog(text, path);
    return;
  }
  let value: unknown;
  try {
    value = parse(text, { maxAliasCount: -1 });
  } catch (error) {
    throw new LavaImportError(`${path}: not YAML: ${(error as Error).message}`);
  }
  if (isDoc(value) && Array.isArray(value.actions)) into.definition = value;
  else if (Array.isArray(value) || (isDoc(value) && Array.isArray(value.results)))
    into.results = parseServerResults(value, path);
  else if (isDoc(value) && value.definition === "lava" && value.case === "job")
    return; // lava-run's result.yaml: the job line only
  else throw new LavaImportError(`${path}: neither a LAVA job log, a results list nor a job definition`);
}

/** Read a job from a directory (known file names) or from files given one by one. */
export async function readLavaJob(paths: string[]): Promise<LavaJobFiles> {
  const into: LavaJobFiles = { source: paths.join(", "), log: [], results: [] };
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new LavaImportError(`${path}: no such file or directory`);
    if (!info.isDirectory()) {
      await readOne(path, into);
      continue;
    }
    const names = new Set(await readdir(path));
    const pick = (candidates: string[]) => candidates.find((n) => names.has(n));
    const found = [pick(DEFINITION_NAMES), pick(RESULT_NAMES), pick(LOG_NAMES)].filter((n): n is string => !!n);
    if (!found.some((n) => LOG_NAMES.includes(n) || RESULT_NAMES.includes(n)))
      throw new LavaImportError(
        `${path}: no job log (${LOG_NAMES.join(", ")}) or results (${RESULT_NAMES.join(", ")}) in it`,
      );
    for (const name of found) await readOne(join(path, name), into);
    into.source = paths.length === 1 ? path : into.source;
  }
  // The log has every result with its time and error; a results list alone is the fallback.
  const fromLog = resultsFromLog(into.log);
  if (fromLog.length) into.results = fromLog;
  if (!into.results.length) throw new LavaImportError(`${into.source}: no LAVA results in it`);
  return into;
}

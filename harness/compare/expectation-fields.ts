/**
 * Which fields of an expectation changed between two runs, from the canonical form each run kept
 * in its timeline.json (artifacts/provenance.ts expectationForm): `boot.linux: "console=ttyAMA0"
 * → "console=ttyS9"`, where the hash alone only says that something did.
 */

export interface FieldChange {
  /** `boot.linux`, `milestones[2].match`, `images.kernel.version`. */
  field: string;
  /** The value as JSON; null when the field is absent on that side. */
  old: string | null;
  new: string | null;
}

/** Values the loader derives from others (durations in seconds, tags; the flat list of a streams boot): their source field says it. */
const DERIVED = new Set(["silenceS", "budgetS", "tags"]);

function flatten(value: unknown, path: string, out: Map<string, string>): void {
  if (Array.isArray(value)) {
    if (!value.length) out.set(path, "[]");
    value.forEach((v, i) => flatten(v, `${path}[${i}]`, out));
  } else if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    if (!entries.length) out.set(path, "{}");
    for (const [key, v] of entries) flatten(v, path ? `${path}.${key}` : key, out);
  } else out.set(path, JSON.stringify(value));
}

function fields(form: Record<string, unknown>): Map<string, string> {
  const out = new Map<string, string>();
  const hasStreams = form.streams !== undefined;
  for (const [key, value] of Object.entries(form)) {
    if (DERIVED.has(key) || (hasStreams && key === "milestones")) continue;
    flatten(value, key, out);
  }
  for (const key of [...out.keys()]) if (key.endsWith(".withinS")) out.delete(key);
  return out;
}

/** The fields that differ, in the order of the newer form (then those only the older one has). */
export function expectationFieldChanges(old: Record<string, unknown>, now: Record<string, unknown>): FieldChange[] {
  const [a, b] = [fields(old), fields(now)];
  const changes: FieldChange[] = [];
  for (const [field, value] of b)
    if (a.get(field) !== value) changes.push({ field, old: a.get(field) ?? null, new: value });
  for (const [field, value] of a) if (!b.has(field)) changes.push({ field, old: value, new: null });
  return changes;
}

const clip = (text: string) => (text.length > 80 ? `${text.slice(0, 77)}...` : text);

/** `boot.linux: "console=ttyAMA0" → "console=ttyS9"`, `milestones[4]: (none) → {...}`. */
export function describeFieldChange(c: FieldChange): string {
  return `${c.field}: ${c.old === null ? "(none)" : clip(c.old)} → ${c.new === null ? "(none)" : clip(c.new)}`;
}

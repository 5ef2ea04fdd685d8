/**
 * The bundled CLI (scripts/build-cli.mjs, run by npm ci's `prepare`): it runs only while it
 * matches the sources, and its start-up chunk loads no heavy package (each command imports what
 * it needs when it runs).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { pathToFileURL } from "node:url";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freshBuild, sourceHash } from "../../bin/fresh-build.mjs";
import { buildCli } from "../../scripts/build-cli.mjs";
import { bootlog, ROOT } from "../helpers/cli.ts";

const tmp = mkdtempSync(join(tmpdir(), "bootlog-cli-build-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * A minimal expectation file's text: `head` (imports, statements) before a defineBoot of `name`
 * whose `tags` is a TypeScript expression, importing bootlog's harness as its own expectations do.
 */
const probeExpectation = (name: string, { head = "", tags = "[]" } = {}) =>
  `import { defineBoot } from ${JSON.stringify(join(ROOT, "harness/expectations/index.ts"))};
${head}
export default defineBoot({
  name: ${JSON.stringify(name)},
  tags: ${tags},
  machine: { arch: "aarch64", memory: "1G", cpus: 1, firmware: "direct" },
  images: { kernel: { kind: "file", path: "/nonexistent/${name}-Image" } },
  milestones: [{ id: "shell", match: "/ # " }],
  silence: "10s",
  budget: "60s",
});
`;

/** A fresh bundled CLI and a scratch ES-module project with an expectations folder and a cache of its own. */
async function scratchProject(label: string): Promise<{ dir: string; expectations: string; cache: string }> {
  if (!freshBuild(ROOT)) await buildCli();
  const dir = join(tmp, label);
  mkdirSync(join(dir, "expectations"), { recursive: true });
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  return { dir, expectations: join(dir, "expectations"), cache: join(tmp, `${label}-cache`) };
}

describe("dist freshness", () => {
  const root = join(tmp, "root");
  mkdirSync(join(root, "dist"), { recursive: true });
  mkdirSync(join(root, "harness"), { recursive: true });
  const source = join(root, "harness/a.ts");
  const manifest = () =>
    writeFileSync(
      join(root, "dist/manifest.json"),
      JSON.stringify({ entry: "harness/cli.js", sources: { "harness/a.ts": sourceHash(source) } }),
    );

  it("runs dist only while every source has the content it was built from", () => {
    expect(freshBuild(root)).toBeUndefined(); // no manifest
    writeFileSync(source, "export const a = 1;\n");
    manifest();
    expect(freshBuild(root)).toBe(join(root, "dist/harness/cli.js"));
    writeFileSync(source, "export const a = 2;\n");
    expect(freshBuild(root)).toBeUndefined(); // edited (same size, content differs)
    manifest();
    rmSync(source);
    expect(freshBuild(root)).toBeUndefined(); // a source went
  });
});

describe("bundled packages", () => {
  it("write atomically from the bundle (a CommonJS package reading __filename)", async () => {
    const dist = join(tmp, "dist-atomic");
    const meta = (await buildCli(dist))!;
    const chunk = Object.keys(meta.outputs).find((o) =>
      Object.keys(meta.outputs[o]!.inputs).includes("harness/artifacts/atomic-write.ts"),
    )!;
    const file = join(tmp, "atomic.txt");
    // In plain Node, as bin/bootlog.mjs runs it (vitest's module runner would provide __filename itself).
    const script = `const m = await import(${JSON.stringify(pathToFileURL(join(process.cwd(), chunk)).href)}); await m.writeFileAtomic(${JSON.stringify(file)}, "written\\n");`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(file, "utf8")).toBe("written\n");
  }, 60_000);
});

describe("start-up chunk", () => {
  it("loads no heavy package at start-up: --help loads cac and the command table only", async () => {
    const meta = (await buildCli(join(tmp, "dist")))!;
    expect(meta).toBeDefined();
    const entry = Object.keys(meta.outputs).find((o) => o.endsWith("harness/cli.js"))!;
    // Everything loaded before any action runs: the entry and its static imports, transitively.
    const loaded = new Set<string>();
    const visit = (path: string) => {
      for (const imp of meta.outputs[path]?.imports ?? []) {
        if (imp.kind !== "import-statement" || loaded.has(imp.path)) continue;
        loaded.add(imp.path);
        visit(imp.path);
      }
    };
    visit(entry);
    // Packages are bundled (external ones are imported by name: none may load at start-up).
    const packages = [...loaded].filter((p) => !meta.outputs[p] && !p.startsWith("node:")).sort();
    expect(packages).toEqual([]);
    const sources = [entry, ...loaded].flatMap((o) => Object.keys(meta.outputs[o]?.inputs ?? {}));
    // (node_modules may be a symlink: esbuild then names the real path.)
    const packageOf = (s: string) => s.split("node_modules/").at(-1)!.split("/")[0]!;
    const bundled = [...new Set(sources.filter((s) => s.includes("node_modules/")).map(packageOf))].sort();
    expect(bundled).toEqual(["cac"]);
    for (const heavy of [
      "harness/runner/run.ts",
      "harness/expectations/loader.ts",
      "harness/report/html.ts",
      "harness/export/lava.ts",
    ])
      expect(sources).not.toContain(heavy);
  }, 60_000);
});

describe("expectations that import the harness as source", () => {
  it("get the running bundle's library instead of a second harness loaded through tsx", async () => {
    const { dir, cache } = await scratchProject("source-import");
    const source = join(ROOT, "harness/expectations/index.ts");
    // As bootlog's own expectations import it; the tag says which module the import resolved to.
    writeFileSync(
      join(dir, "probe.ts"),
      probeExpectation("probe", {
        head: `const to = import.meta.resolve(${JSON.stringify(source)});`,
        tags: '[to.endsWith("/dist/harness/index.js") ? "library-bundle" : "harness-source"]',
      }),
    );
    for (const run of [1, 2]) {
      const r = await bootlog(["list", "--json", "--expectations", dir], { BOOTLOG_CACHE: cache });
      expect(r.code, `run ${run}: ${r.all}`).toBe(0);
      expect(JSON.parse(r.stdout).map((e: { tags: string[] }) => e.tags.at(-1))).toEqual(["library-bundle"]);
    }
    // import.meta is the file's own: it goes through tsx, and the cache remembers that (no module, no compile next time).
    const records = readdirSync(join(cache, "expectations"));
    expect(records.filter((f) => f.endsWith(".mjs"))).toEqual([]);
    expect(records.filter((f) => f.endsWith(".json"))).toHaveLength(1);
    const record = JSON.parse(readFileSync(join(cache, "expectations", records[0]!), "utf8"));
    expect(record.module).toBeUndefined();
    expect(Object.keys(record.inputs)).toEqual([join(dir, "probe.ts")]);
  }, 60_000);
});

describe("compiled expectations (the bundled CLI without tsx)", () => {
  it("imports a TypeScript expectation as the module esbuild compiled into the cache, and compiles again when a file it imports changes", async () => {
    const { dir, expectations, cache } = await scratchProject("compiled");
    // Not an expectation itself: outside the expectations folder.
    const shared = join(dir, "shared.ts");
    writeFileSync(shared, 'export const flavour: string = "first";\n');
    writeFileSync(
      join(expectations, "probe.ts"),
      probeExpectation("probe", { head: 'import { flavour } from "../shared.ts";', tags: "[flavour]" }),
    );
    const tags = async () => {
      const r = await bootlog(["list", "--json", "--expectations", expectations], { BOOTLOG_CACHE: cache });
      expect(r.code, r.all).toBe(0);
      return JSON.parse(r.stdout).map((e: { tags: string[] }) => e.tags.at(-1));
    };
    expect(await tags()).toEqual(["first"]);
    const modules = readdirSync(join(cache, "expectations")).filter((f) => f.endsWith(".mjs"));
    expect(modules).toHaveLength(1);
    // The module has both files in it, and imports bootlog as the bundle's library.
    const code = readFileSync(join(cache, "expectations", modules[0]!), "utf8");
    expect(code).toContain('"first"');
    expect(code).toContain(pathToFileURL(join(ROOT, "dist/harness/index.js")).href);
    writeFileSync(shared, 'export const flavour: string = "second";\n');
    expect(await tags()).toEqual(["second"]);
  }, 60_000);
});

describe("bootlog run NAME loads the one file that holds NAME (the name index)", () => {
  it("after a full load, a plain name loads only its file; a glob, a new file or a duplicate name loads them all", async () => {
    const { expectations, cache } = await scratchProject("indexed");
    const marker = join(tmp, "indexed-loads.txt");
    writeFileSync(join(expectations, "a.ts"), probeExpectation("alpha"));
    // Every load of b.ts says so in the marker file.
    writeFileSync(
      join(expectations, "b.ts"),
      probeExpectation("beta", {
        head: `import { appendFileSync } from "node:fs";\nappendFileSync(${JSON.stringify(marker)}, "b\\n");`,
      }),
    );
    const loadsOfB = () => readFileSync(marker, "utf8").split("\n").filter(Boolean).length;
    const cli = (args: string[]) => bootlog([...args, "--expectations", expectations], { BOOTLOG_CACHE: cache });

    expect((await cli(["list"])).code).toBe(0);
    expect(loadsOfB()).toBe(1);
    // alpha is loaded and prepared (its image is missing: the error says so), b.ts is not loaded.
    const named = await cli(["prepare", "alpha"]);
    expect(named.all).toContain("/nonexistent/alpha-Image");
    expect(loadsOfB()).toBe(1);
    // Selecting b.ts's expectation by its path under the folder also loads only b.ts.
    expect((await cli(["prepare", "b"])).all).toContain("/nonexistent/beta-Image");
    expect(loadsOfB()).toBe(2);
    const glob = await cli(["prepare", "alph*"]);
    expect(glob.all).toContain("/nonexistent/alpha-Image");
    expect(loadsOfB()).toBe(3);
    // A new file that takes alpha's name: the index does not know it, so every file loads and the duplicate is the error.
    writeFileSync(join(expectations, "c.ts"), probeExpectation("alpha"));
    const twin = await cli(["prepare", "alpha"]);
    expect(twin.code).not.toBe(0);
    expect(twin.all).toContain('"alpha" is also the name of');
    expect(loadsOfB()).toBe(4);
  }, 60_000);
});

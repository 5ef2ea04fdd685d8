import type { Metafile } from "esbuild";
export declare function buildCli(dist?: string): Promise<Metafile | undefined>;

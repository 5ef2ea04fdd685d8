/**
 * The project bootlog works for, once the CLI (or bootlog/vitest) has found it: the folders its
 * defaults resolve from. Unset (a library import, a unit test), the defaults are bootlog's own.
 */
export interface Project {
  /** The folder of the nearest package.json (the working directory when there is none). */
  root: string;
  /** The config file that set any of the below, if there is one. */
  configFile?: string;
  expectationsDir: string;
  artifactsDir: string;
  lanes?: number;
  hostSetup: { chromium: boolean; lava: boolean; jdk: boolean; packages: string[] };
  /** This is bootlog's own repository (its expectations are the project's). */
  isBootlog: boolean;
}

let current: Project | undefined;

export const setProject = (project: Project | undefined): void => {
  current = project;
};

export const currentProject = (): Project | undefined => current;

/** Types of setup-host.mjs (plain JavaScript: it runs before npm ci). */
export interface HostNeeds {
  arches: string[];
  uboot: boolean;
  chromium: boolean;
  lava: boolean;
  jdk: boolean;
  /** An expectation builds Xen from source: the build's packages and a deb-src entry. */
  xenSource?: boolean;
  packages?: string[];
}
export function hostPackages(needs: HostNeeds): string[];
export function foreignArches(arches: string[], native: string): string[];
export function setupHost(needs: HostNeeds, options?: { dryRun?: boolean; log?: (line: string) => void }): string[];
export function parseArgs(argv: string[]): { needs: HostNeeds; dryRun: boolean };

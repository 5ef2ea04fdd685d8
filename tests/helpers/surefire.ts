import { resolve } from "node:path";
import { execa } from "execa";

export interface SurefireCase {
  name: string;
  successful: boolean;
  failure: boolean;
  error: boolean;
  skipped: boolean;
  type: string | null;
  message: string | null;
  /** The failure's or error's text. */
  detail: string | null;
}

export interface SurefireSuite {
  name: string;
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  /** Testcases with <flakyFailure>/<flakyError>, as Surefire counts them. */
  flakes: number;
  valid: boolean;
  testcases: SurefireCase[];
}

/** Debian's libsurefire-java: the report parser of maven-surefire-report-plugin, and what it needs. */
const CLASSPATH = ["/usr/share/java/surefire-report-parser.jar", "/usr/share/java/surefire-logger-api.jar"].join(":");

/** JUnit files as Maven Surefire's TestSuiteXmlParser reads them (a real consumer of flakyFailure). */
export async function readWithSurefire(...files: string[]): Promise<SurefireSuite[]> {
  const { stdout } = await execa("java", ["-cp", CLASSPATH, resolve("tests/helpers/SurefireRead.java"), ...files]);
  return JSON.parse(stdout) as SurefireSuite[];
}

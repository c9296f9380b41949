// Finds and loads the native answers written by `cargo test --test native_answers`, and
// checks they cover every case file of tests/conformance/cases.
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

export const root = new URL("..", import.meta.url).pathname;

export function targetDir() {
  const metadata = execFileSync("cargo", ["metadata", "--format-version", "1", "--no-deps", "--offline"], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(metadata).target_directory;
}

function countCases(dir) {
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (n, e) => n + (e.isDirectory() ? countCases(join(dir, e.name)) : e.name.endsWith(".json") ? 1 : 0),
    0,
  );
}

export function nativeAnswers() {
  const file = join(targetDir(), "tmp", "conformance-native.json");
  const document = JSON.parse(readFileSync(file, "utf8"));
  const cases = countCases(join(root, "tests/conformance/cases"));
  if (document.cases !== cases) {
    throw new Error(`${file} has ${document.cases} cases, tests/conformance/cases has ${cases}: run \`cargo test --test native_answers\``);
  }
  return document;
}

// Corpus parity in Node: every conformance case and example through pkg/node, each answer
// compared byte for byte with the native engine's (tests/native_answers.rs).
// Usage: node js/corpus.mjs   (after scripts/build-pkg.sh --back-office and `cargo test --test native_answers`)
import { createRequire } from "node:module";
import { nativeAnswers, root } from "./native.mjs";
import { replay, report } from "./corpus-core.mjs";

const procura = createRequire(import.meta.url)(`${root}/pkg/node`);
const { entries, cases } = nativeAnswers();
const results = entries.map((entry) => {
  try {
    return replay(procura, entry);
  } catch (error) {
    return { via: "object", error: `threw ${error?.stack ?? error}` };
  }
});
console.log(`node: ${cases} conformance cases and ${entries.length - cases} example answers, procura ${procura.version()}`);
process.exit(report("node", entries, results) ? 0 : 1);

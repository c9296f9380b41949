// The browser build's types (`procura/web`, what bundlers get through the `browser` and
// `import` conditions): initialise once, then the same API. Type-checked with consumer.ts.
import init, { compile, initSync, type CompileResult, type InitOutput } from "procura/web";

declare const source: string;
declare const wasmBytes: ArrayBuffer;

const output: InitOutput = await init();
console.log(output.memory.buffer.byteLength);
initSync({ module: wasmBytes });
const compiled: CompileResult = compile(source, null);
if (compiled.type === "success") {
  const answer = compiled.policy.evaluate({
    buyer: "ana@maple.example",
    group: "north",
    order: { id: "O-1", currency: "CAD", lines: [] },
  });
  console.log(answer.type === "success" ? answer.result.outcome : answer.errors[0]?.path);
  compiled.policy.free();
}

import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

// A preview or an up waits for whatever the program waits for: nothing in the program may wait on a timer (its one
// yield, to let the provider start, is setImmediate: a turn of the event loop, no delay).

const ROOT = path.join(__dirname, "..");
const PROGRAM = ["index.ts", "catalog", "components", "stacks"];

const sources = (entry: string): string[] => {
  const full = path.join(ROOT, entry);
  if (fs.statSync(full).isFile()) return [entry];
  return (fs.readdirSync(full, { recursive: true }) as string[]).filter((f) => f.endsWith(".ts")).map((f) => path.join(entry, f));
};

describe("the program waits on no timer", () => {
  it("calls neither setTimeout nor setInterval (nor their promise forms) in index.ts, catalog/, components/ or stacks/", () => {
    const files = PROGRAM.flatMap(sources);
    assert.ok(files.length > 50, `${files.length} program files read`);
    const timers = files.flatMap((file) =>
      fs
        .readFileSync(path.join(ROOT, file), "utf8")
        .split("\n")
        .flatMap((line, i) => (/\bset(Timeout|Interval)\b|timers\/promises/.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
    assert.deepEqual(timers, []);
  });
});

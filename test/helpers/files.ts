import * as fs from "fs";
import * as path from "path";

/** The files under `dir` (paths relative to it, sorted); none when it does not exist. */
export const filesUnder = (dir: string): string[] =>
  fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort() : [];

import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

// The repository names no package registry's host (the Go module proxy and its checksum database, the npm
// registry, the Python, Debian, Alpine, Rust, Ruby and Maven repositories): machines that build this
// project reach them through configuration, and the project's text talks about "the Go module proxy" or
// "the npm registry" instead. The hosts are kept as SHA-256 digests, so that this test does not name them.
const FORBIDDEN = new Set<string>([
  "00a7dc5a0cc388586b8665846e7d8ae94a6dd096f2aa1aa3b4aab4ac484f998a",
  "9da5f32d964125123cc368f231b473bea59307f811c7b9b2e731601e586b82b5",
  "0dc11026ac75c015aaa1deafff4a7a54ef6d0cf6b3c7f9b1d2c8f3502929aa9e",
  "fd0c6a9279196963adad509f0c8df13a4d0f048f328ba06ce7e8836e7f4182d6",
  "70bb4000cd2fab03af01fed086c6bf3c2c970f8b8b8001c311028ec3b80e775a",
  "a4aa2ac280bb8d1a0ce7a1be5a7bfb10292b49fe9435ad5cff19f421f3c70e41",
  "c899567ee906851741bf7f3bde17a33777859ff9f53ff54d6f0ea54cf31ad636",
  "e680c440a2e92079ab1bf7a927e8d3920f1bcd173c0487e28e020110b2e59efc",
  "1ba4e37997a2e986efa6cd844e43fd25b9e816359d31612baa9c18b71e3b5294",
  "8454fabc8b6309019c8b0d10a414a7c0f0bcdf3222f5285e7d8da9eb6c9e0c93",
  "789e46d79514e28093cabe2bb4a0798266f584b0e508ef269ebabb6e57859290",
  "eb7e11c7f9ecbcf48099060ec1c8c593134ff031f587e07be17293b2a3a0ee36",
  "3d01f3609be82d98eeedcd977fae947ee6da479acbfd5d19619bda2184977921",
  "71741fe2460a615058687c4585f665af5e825968e51a512ffb14c6f2684a397d",
  "317d2d52829b78129d2c9e43d001899f0c8d30968bae00b848a47154df56b0ca",
  "43c04ed1dabe979b9c552549bf0ab023abd3e1cc6d5ff7f42cfa2296b0973a67",
  "048e76c14ef34200a2fd1bff13c584ea0770b46ab008f537a9cb62637655eb2b",
  "be57af6b78a7facae64f87c4f9230a273a036b2a192a16104abb469385e28f46",
  "d738bc3c3b285b0f1115315edd6abcf8c6b65ea4f34e6ff9186c62d291a63927",
  "a0f007d863a0ed19c5bd996ef6eaab194af2f1ac685c0f71a75270a0366f8983",
]);

const ROOT = path.join(__dirname, "..");
const digest = (host: string) => createHash("sha256").update(host).digest("hex");

/** Every host name in a text: each dotted name, and each of its parent domains. */
function hostsIn(text: string): string[] {
  const names = text.toLowerCase().match(/\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}\b/g) ?? [];
  return names.flatMap((name) =>
    name
      .split(".")
      .map((_, i, parts) => parts.slice(i).join("."))
      .filter((n) => n.includes(".")),
  );
}

/** The tracked files that name a forbidden host, with the line. */
function offenders(files: readonly string[], read: (file: string) => string): string[] {
  const found: string[] = [];
  for (const file of files) {
    const lines = read(file).split("\n");
    lines.forEach((line, i) => {
      if (hostsIn(line).some((h) => FORBIDDEN.has(digest(h)))) found.push(`${file}:${i + 1}`);
    });
  }
  return found;
}

describe("no tracked file names a package registry's host", () => {
  it("holds for every file git tracks (and the untracked ones it does not ignore)", () => {
    const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .filter((f) => fs.existsSync(path.join(ROOT, f)) && fs.statSync(path.join(ROOT, f)).isFile());
    assert.ok(files.length > 200, `expected the repository's files, found ${files.length}`);
    const read = (file: string) => {
      const buffer = fs.readFileSync(path.join(ROOT, file));
      return buffer.includes(0) ? "" : buffer.toString("utf8");
    };
    assert.deepEqual(offenders(files, read), []);
  });

  it("finds a forbidden host in a URL, as a bare name and under a subdomain, and nothing else", () => {
    const host = "packages.registry.example";
    FORBIDDEN.add(digest(host));
    try {
      const texts: Record<string, string> = {
        url: `fetched https://${host}/some/module/@v/list: 403`,
        bare: `set the proxy to ${host.toUpperCase()}`,
        sub: `mirror.${host}`,
        clean: "the Go module proxy refused the version (registry.example.org is someone else)",
      };
      assert.deepEqual(
        offenders(Object.keys(texts), (f) => texts[f]),
        ["url:1", "bare:1", "sub:1"],
      );
    } finally {
      FORBIDDEN.delete(digest(host));
    }
  });
});

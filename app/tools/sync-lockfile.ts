/**
 * Writes app/package-lock.json — the lockfile of the image's isolated `npm ci` (build context
 * app/) — from the repository's root package-lock.json, so the image installs exactly the
 * versions the workspace (and the tests) run. Run it after changing app/package.json:
 *
 *   npm install -w app <pkg>@<exact version>      # updates package.json and the root lock
 *   npm run lockfile -w app                       # rewrites app/package-lock.json
 *
 * `--check` exits 1 when the committed file differs from what would be written.
 */
import * as fs from "fs";
import * as path from "path";

type Entry = Record<string, unknown> & {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};
interface Lock {
  name?: string;
  version?: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, Entry>;
}
interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const APP_DIR = path.resolve(__dirname, "..");
const WORKSPACE = "app";

/** Where npm resolves `name` for the package installed at `from` (a lock path, "" for the root). */
function resolve(lock: Lock, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = base === "" ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (base === "") return undefined;
    const parent = base.lastIndexOf("/node_modules/");
    base = parent === -1 ? "" : base.slice(0, parent);
  }
}

/** app/package-lock.json's content for `manifest`, taken from the root `lock`. */
export function appLockfile(manifest: Manifest, lock: Lock): Lock {
  const reached = new Map<string, string>(); // root-lock path → app-lock path
  const prod = new Set<string>();
  const walk = (from: string, deps: Record<string, string>, isProd: boolean, optional: Set<string>) => {
    for (const name of Object.keys(deps)) {
      const at = resolve(lock, from, name);
      if (!at) {
        if (optional.has(name)) continue;
        throw new Error(`${name} (needed by ${from || "the root"}) is not in the root package-lock.json: run npm install first`);
      }
      const target = at.startsWith(`${WORKSPACE}/`) ? at.slice(WORKSPACE.length + 1) : at;
      const seen = reached.get(at);
      if (seen !== undefined && (!isProd || prod.has(at))) continue;
      const clash = [...reached.entries()].find(([source, mapped]) => mapped === target && source !== at);
      if (clash) throw new Error(`${clash[0]} and ${at} would both install at ${target}`);
      reached.set(at, target);
      if (isProd) prod.add(at);
      const entry = lock.packages[at];
      const optionalPeers = new Set(
        Object.entries(entry.peerDependenciesMeta ?? {})
          .filter(([, m]) => m.optional)
          .map(([n]) => n),
      );
      walk(at, { ...entry.dependencies, ...entry.optionalDependencies }, isProd, new Set(Object.keys(entry.optionalDependencies ?? {})));
      walk(at, Object.fromEntries(Object.entries(entry.peerDependencies ?? {}).filter(([n]) => !optionalPeers.has(n))), isProd, new Set());
    }
  };
  walk(WORKSPACE, manifest.dependencies ?? {}, true, new Set());
  walk(WORKSPACE, manifest.devDependencies ?? {}, false, new Set());

  const packages: Record<string, Entry> = {
    "": {
      name: manifest.name,
      version: manifest.version,
      ...(manifest.dependencies ? { dependencies: manifest.dependencies } : {}),
      ...(manifest.devDependencies ? { devDependencies: manifest.devDependencies } : {}),
    },
  };
  for (const [source, target] of [...reached.entries()].sort((a, b) => (a[1] < b[1] ? -1 : 1))) {
    const { dev: _dev, devOptional: _devOptional, peer: _peer, optional: _optional, ...entry } = lock.packages[source];
    // Keep npm's key order: version, resolved, integrity, then the dev flag, then the rest.
    const { version, resolved, integrity, ...rest } = entry;
    packages[target] = {
      version,
      ...(resolved !== undefined ? { resolved } : {}),
      ...(integrity !== undefined ? { integrity } : {}),
      ...(prod.has(source) ? {} : { dev: true }),
      ...rest,
    };
  }
  return { name: manifest.name, version: manifest.version, lockfileVersion: 3, requires: true, packages };
}

export function render(lock: Lock): string {
  return `${JSON.stringify(lock, null, 2)}\n`;
}

if (require.main === module) {
  const manifest = JSON.parse(fs.readFileSync(path.join(APP_DIR, "package.json"), "utf8")) as Manifest;
  const root = JSON.parse(fs.readFileSync(path.join(APP_DIR, "..", "package-lock.json"), "utf8")) as Lock;
  const target = path.join(APP_DIR, "package-lock.json");
  const text = render(appLockfile(manifest, root));
  if (process.argv.includes("--check")) {
    const current = fs.existsSync(target) ? fs.readFileSync(target, "utf8") : "";
    if (current !== text) {
      process.stderr.write("app/package-lock.json is out of date: run `npm run lockfile -w app`\n");
      process.exit(1);
    }
    process.stdout.write("app/package-lock.json is up to date\n");
  } else {
    fs.writeFileSync(target, text);
    process.stdout.write(`wrote ${path.relative(process.cwd(), target) || target}\n`);
  }
}

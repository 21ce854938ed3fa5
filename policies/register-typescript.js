"use strict";
// How the Pulumi CLI loads the program and this policy pack (Pulumi.yaml and PulumiPolicy.yaml: typescript false,
// nodeargs --require <this file>; it lives in the pack because the pack is published alone). Each .ts file is
// transpiled by TypeScript (transpileModule, what ts-node's transpile-only mode runs) once, and the JavaScript is
// kept in a cache keyed by the file's path and content, the compiler's version and tsconfig's compilerOptions. A
// run whose sources did not change loads no compiler at all, and V8's compile cache (module.enableCompileCache)
// keeps the bytecode of every module, node_modules included. The program still runs from its sources (each module
// keeps its .ts filename and __dirname), so an edited file is picked up by the next run without a build step.
// Type checking is `npm run typecheck`'s job. The cache is never pruned; deleting it is always safe.
//
// Settings: MICROSERVICES_TRANSPILE_CACHE (folder; default <XDG_CACHE_HOME or ~/.cache>/microservices-ecosystem/transpiled).

const crypto = require("crypto");
const fs = require("fs");
const Module = require("module");
const os = require("os");
const path = require("path");

// The project (or pack) being run: the CLI starts Node in its folder.
const ROOT = process.cwd();
const CACHE_ROOT = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "microservices-ecosystem");
const CACHE = process.env.MICROSERVICES_TRANSPILE_CACHE || path.join(CACHE_ROOT, "transpiled");

function readCompilerOptions() {
  const file = path.join(ROOT, "tsconfig.json");
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")).compilerOptions || {};
  } catch (error) {
    throw new Error(`register-typescript.js: cannot read compilerOptions from ${file} (plain JSON expected): ${error.message}`, { cause: error });
  }
}

const compilerOptions = readCompilerOptions();
const typescriptVersion = JSON.parse(fs.readFileSync(require.resolve("typescript/package.json", { paths: [ROOT] }), "utf8")).version;
const settingsKey = JSON.stringify([typescriptVersion, compilerOptions]);

let typescript;
let tsOptions;
function transpile(source, filename) {
  if (!typescript) {
    typescript = require(require.resolve("typescript", { paths: [ROOT] }));
    const converted = typescript.convertCompilerOptionsFromJson(compilerOptions, ROOT);
    if (converted.errors.length > 0) {
      const messages = converted.errors.map((e) => typescript.flattenDiagnosticMessageText(e.messageText, "\n"));
      throw new Error(`register-typescript.js: tsconfig.json's compilerOptions: ${messages.join("; ")}`);
    }
    tsOptions = { ...converted.options, module: typescript.ModuleKind.CommonJS, sourceMap: false, inlineSourceMap: true, declaration: false, noEmit: false };
  }
  return typescript.transpileModule(source, { compilerOptions: tsOptions, fileName: filename, reportDiagnostics: false }).outputText;
}

function cachedJavaScript(source, filename) {
  const key = crypto.createHash("sha256").update(settingsKey).update("\0").update(filename).update("\0").update(source).digest("hex");
  const file = path.join(CACHE, key.slice(0, 2), `${key}.js`);
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    const output = transpile(source, filename);
    // Written whole and renamed into place: a program and a policy pack may fill the cache at once.
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(partial, output);
    fs.renameSync(partial, file);
    return output;
  }
}

// @pulumi/pulumi's policy-pack runner registers ts-node (with type checking) whatever the runtime options say;
// ts-node hands the files it ignores to the handler registered before it, this one.
if (process.env.TS_NODE_IGNORE === undefined) process.env.TS_NODE_IGNORE = ".";

const transpiled = new Map();
Module._extensions[".ts"] = function loadTypeScript(module, filename) {
  const javascript = cachedJavaScript(fs.readFileSync(filename, "utf8"), filename);
  transpiled.set(filename, javascript);
  module._compile(javascript, filename);
};

// Stack traces name the .ts lines: each frame in a transpiled file is mapped through that file's inline source
// map (Node's own SourceMap, parsed when a frame first needs it); other frames are V8's own text. The Pulumi SDK
// reads a stack for every promise and resource, so this runs often and maps nothing else. @pulumi/pulumi's runner
// would install source-map-support's formatter, which rewrites every frame of every stack (over a second of a
// preview here); installing it first, then replacing its formatter, leaves ours in place (it installs once).
const sourceMaps = new Map();
function sourceMapOf(file) {
  if (!sourceMaps.has(file)) {
    const inline = /\/\/# sourceMappingURL=data:application\/json;base64,(\S+)\s*$/.exec(transpiled.get(file));
    sourceMaps.set(file, inline ? new Module.SourceMap(JSON.parse(Buffer.from(inline[1], "base64").toString("utf8"))) : null);
  }
  return sourceMaps.get(file);
}

function frameText(frame) {
  const text = String(frame);
  const file = frame.getFileName();
  if (!file || !transpiled.has(file)) return text;
  const line = frame.getLineNumber();
  const column = frame.getColumnNumber();
  const entry = sourceMapOf(file)?.findEntry(line - 1, column - 1);
  if (entry?.originalLine === undefined) return text;
  return text.replace(`${file}:${line}:${column}`, `${file}:${entry.originalLine + 1}:${entry.originalColumn + 1}`);
}

function errorHeader(error) {
  try {
    return Error.prototype.toString.call(error);
  } catch {
    return "Error";
  }
}

const sourceMapSupport = require(require.resolve("source-map-support", { paths: [require.resolve("@pulumi/pulumi", { paths: [ROOT] })] }));
sourceMapSupport.install({ handleUncaughtExceptions: false });
Error.prepareStackTrace = (error, frames) => [errorHeader(error), ...frames.map((frame) => `    at ${frameText(frame)}`)].join("\n");

if (typeof Module.enableCompileCache === "function") Module.enableCompileCache(path.join(CACHE_ROOT, "v8-compile-cache"));

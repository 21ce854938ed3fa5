#!/usr/bin/env node
// Compares what `pulumi up` wrote (renderYamlToDirectory manifests + artifact tree) with the offline
// render (`npm run render`). Used by the engine test (test/engine/engine.test.ts); plain JS so that it needs no compilation.
//
//   node test/engine/compare.js manifests <render>/manifests <engine render dir>
//   node test/engine/compare.js tree <render>/microservices_ecosystem <engine artifacts>/microservices_ecosystem
//
// manifests: same file names; each file parses to the same object. A value "[secret]" in the offline
// render (which masks secrets), or its base64 form in a Secret's data, matches any string. A pod template's
// credentials checksum (annotation checksum/…credentials) hashes generated passwords, which the render mocks:
// its values may differ, but the two sides must pair up one-to-one (readers of the same credentials share a
// checksum on both sides, readers of different ones never do). Byte-identical files are counted and reported.
// tree: same file names, byte-identical contents.
// Exit 0 when equal, 1 with a list of differences otherwise.
"use strict";
const fs = require("fs");
const path = require("path");
const { parse } = require("yaml");

const SECRET_PLACEHOLDER = "[secret]";
const SECRET_PLACEHOLDERS = new Set([SECRET_PLACEHOLDER, Buffer.from(SECRET_PLACEHOLDER).toString("base64")]);

function listFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out.sort();
}

const CREDENTIALS_CHECKSUM = /\.annotations\.checksum\/[a-z-]*credentials$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** Pairs of (render, engine) credentials checksums, with where each was seen. */
const checksumPairs = [];
let currentFile = "";

function firstDifference(expected, actual, at) {
  if (SECRET_PLACEHOLDERS.has(expected) && typeof actual === "string") return null;
  if (CREDENTIALS_CHECKSUM.test(at) && SHA256.test(String(expected)) && SHA256.test(String(actual))) {
    checksumPairs.push({ expected, actual, at: `${currentFile}${at}` });
    return null;
  }
  if (Array.isArray(expected) || Array.isArray(actual)) {
    if (!Array.isArray(expected) || !Array.isArray(actual)) return `${at}: ${JSON.stringify(expected)} vs ${JSON.stringify(actual)}`;
    if (expected.length !== actual.length) return `${at}: ${expected.length} items vs ${actual.length}`;
    for (let i = 0; i < expected.length; i++) {
      const d = firstDifference(expected[i], actual[i], `${at}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (expected && actual && typeof expected === "object" && typeof actual === "object") {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
    for (const k of keys) {
      if (!(k in expected)) return `${at}.${k}: only in the engine's file (${JSON.stringify(actual[k]).slice(0, 120)})`;
      if (!(k in actual)) return `${at}.${k}: only in the offline render (${JSON.stringify(expected[k]).slice(0, 120)})`;
      const d = firstDifference(expected[k], actual[k], `${at}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return expected === actual ? null : `${at}: ${JSON.stringify(expected)} (render) vs ${JSON.stringify(actual)} (engine)`;
}

function compareSets(expectedDir, actualDir, problems) {
  const expected = listFiles(expectedDir);
  const actual = listFiles(actualDir);
  const inActual = new Set(actual);
  const inExpected = new Set(expected);
  for (const f of expected) if (!inActual.has(f)) problems.push(`missing from the engine's output: ${f}`);
  for (const f of actual) if (!inExpected.has(f)) problems.push(`only in the engine's output: ${f}`);
  return expected.filter((f) => inActual.has(f));
}

/** Credentials checksums that do not pair one-to-one between the render and the engine. */
function unpairedChecksums() {
  const problems = [];
  const pairing = (from, to) => {
    const seen = new Map();
    for (const pair of checksumPairs) {
      const first = seen.get(pair[from]);
      if (!first) seen.set(pair[from], pair);
      else if (first[to] !== pair[to]) {
        problems.push(
          `credentials checksums: ${first.at} and ${pair.at} are equal in the ${from === "expected" ? "offline render" : "engine's file"}, different in the ${from === "expected" ? "engine's file" : "offline render"}`,
        );
      }
    }
  };
  pairing("expected", "actual");
  pairing("actual", "expected");
  return problems;
}

function main([mode, expectedDir, actualDir]) {
  if (!["manifests", "tree"].includes(mode) || !expectedDir || !actualDir) {
    console.error("usage: compare.js manifests|tree <offline render dir> <engine output dir>");
    return 2;
  }
  const problems = [];
  const common = compareSets(expectedDir, actualDir, problems);
  let identical = 0;
  for (const f of common) {
    const e = fs.readFileSync(path.join(expectedDir, f), "utf8");
    const a = fs.readFileSync(path.join(actualDir, f), "utf8");
    if (e === a) {
      identical++;
      continue;
    }
    if (mode === "tree") {
      problems.push(`content differs: ${f}`);
      continue;
    }
    currentFile = f;
    const d = firstDifference(parse(e), parse(a), "");
    if (d) problems.push(`${f}: ${d}`);
  }
  problems.push(...unpairedChecksums());
  const total = listFiles(expectedDir).length;
  console.log(`  ${mode}: ${common.length}/${total} files in both, ${identical} byte-identical, ${problems.length} differences`);
  for (const p of problems.slice(0, 40)) console.log(`    - ${p}`);
  if (problems.length > 40) console.log(`    … and ${problems.length - 40} more`);
  return problems.length === 0 && total > 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));

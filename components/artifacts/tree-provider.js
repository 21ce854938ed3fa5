"use strict";
// The artifact tree's dynamic provider, stored as this text in every tree's state and run by the provider host (see artifact-tree.ts).
const fs = require("fs");
const path = require("path");
const crypto = require("crypto");

const digestOf = (content) => crypto.createHash("sha256").update(content).digest("hex");

function diskDigest(root, file) {
  try {
    return digestOf(fs.readFileSync(path.join(root, file)));
  } catch {
    return undefined;
  }
}

function removeFiles(root, files) {
  for (const file of files) {
    fs.rmSync(path.join(root, file), { force: true });
    let dir = path.dirname(path.join(root, file));
    while (dir.startsWith(root + path.sep) && fs.existsSync(dir) && fs.readdirSync(dir).length === 0) {
      fs.rmdirSync(dir);
      dir = path.dirname(dir);
    }
  }
}

function writeTree(news, olds) {
  const digests = {};
  for (const [file, content] of Object.entries(news.files)) {
    digests[file] = digestOf(content);
    if (diskDigest(news.root, file) === digests[file]) continue;
    fs.mkdirSync(path.dirname(path.join(news.root, file)), { recursive: true });
    fs.writeFileSync(path.join(news.root, file), content);
  }
  if (olds)
    removeFiles(
      olds.root,
      Object.keys(olds.digests).filter((file) => olds.root !== news.root || !(file in news.files)),
    );
  return { root: news.root, digests };
}

const provider = {
  async create(inputs) {
    const outs = writeTree(inputs);
    return { id: `${inputs.root}#${digestOf(Object.keys(outs.digests).sort().join("\n")).slice(0, 16)}`, outs };
  },
  async diff(_id, olds, news) {
    const replaces = olds.root === news.root ? [] : ["root"];
    const wanted = Object.entries(news.files);
    const changed =
      wanted.length !== Object.keys(olds.digests).length ||
      wanted.some(([file, content]) => olds.digests[file] !== digestOf(content)) ||
      Object.entries(olds.digests).some(([file, digest]) => diskDigest(olds.root, file) !== digest);
    return { changes: replaces.length > 0 || changed, replaces, deleteBeforeReplace: false };
  },
  async update(_id, olds, news) {
    return { outs: writeTree(news, olds) };
  },
  async delete(_id, olds) {
    removeFiles(olds.root, Object.keys(olds.digests));
  },
};

exports.handler = () => provider;

// Exits 0 when node_modules holds what package-lock.json pins, as npm recorded it when it last installed
// the tree: its hidden lockfile, node_modules/.package-lock.json, lists every package folder it put there
// (https://docs.npmjs.com/cli/configuring-npm/package-lock-json#hidden-lockfiles). Otherwise exits 1:
// scripts/setup then runs npm ci.
import { existsSync, readFileSync } from "node:fs";

function packages(file) {
  try {
    const { "": _root, ...rest } = JSON.parse(readFileSync(file, "utf8")).packages ?? {};
    return rest;
  } catch {
    return null;
  }
}

const locked = packages("package-lock.json");
const installed = packages("node_modules/.package-lock.json");
const same = (a, b) => ["version", "resolved", "integrity"].every((key) => a[key] === b[key]);
const current =
  locked !== null &&
  installed !== null &&
  Object.keys(locked).length === Object.keys(installed).length &&
  Object.entries(locked).every(
    ([path, entry]) => path in installed && same(entry, installed[path]) && existsSync(`${path}/package.json`),
  );
process.exit(current ? 0 : 1);

// `node generate.mjs openapi.json api.d.ts`: the document's types for openapi-fetch.
// Binary schemas become Blob (openapi-typescript's documented transform), so an
// upload's file field takes a File and the types say so. A field with a default
// stays optional (defaultNonNullable: false): requests may leave it out.
import { readFileSync, writeFileSync } from "node:fs";
import openapiTS, { astToString } from "openapi-typescript";
import ts from "typescript";

const [source, target] = process.argv.slice(2);
const BLOB = ts.factory.createTypeReferenceNode(ts.factory.createIdentifier("Blob"));
const ast = await openapiTS(JSON.parse(readFileSync(source, "utf8")), {
  defaultNonNullable: false,
  transform: (schema) => (schema.format === "binary" ? BLOB : undefined),
});
writeFileSync(target, astToString(ast));

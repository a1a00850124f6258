// Every GraphQL document the client sends is valid against the checked-in schema.graphql
// (the contract), so a schema change that breaks the client fails here, not on a phone.
import { readFileSync } from "node:fs";
import { buildSchema, parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import * as queries from "../src/queries";

const schema = buildSchema(readFileSync(new URL("../../schema.graphql", import.meta.url), "utf8"));

function errorsOf(source: string): string[] {
  return validate(schema, parse(source)).map((e) => e.message);
}

describe("GraphQL documents", () => {
  const documents = Object.entries(queries).filter(([, v]) => typeof v === "string") as [string, string][];

  it("are all checked", () => {
    expect(documents.length).toBeGreaterThan(15);
  });

  it.each(documents)("%s is valid against schema.graphql", (_name, source) => {
    expect(errorsOf(source)).toEqual([]);
  });
});

describe("dashboard on caseStats", () => {
  it("is valid against schema.graphql", async () => {
    const source = await import("../src/dashboard/source");
    expect(errorsOf(source.DASHBOARD)).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { limitChoices, MIB } from "./storage";

describe("limitChoices", () => {
  it("offers the usual limits, the current one among them", () => {
    expect(limitChoices(512 * MIB)).toEqual([128, 256, 512, 1024, 2048, 5120, 10240]);
  });

  it("adds a limit set elsewhere, in order", () => {
    expect(limitChoices(300 * MIB)).toEqual([128, 256, 300, 512, 1024, 2048, 5120, 10240]);
    expect(limitChoices(1000)).toEqual([1, 128, 256, 512, 1024, 2048, 5120, 10240]);
  });
});

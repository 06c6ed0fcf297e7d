import { describe, expect, it } from "vitest";
import { base64Of, imageSource, pastedName, showsInline, splitAttachments } from "./attachments";

const file = (content_type: string, id = content_type) => ({ id, content_type });

describe("attachments", () => {
  it("shows raster images inline, never SVG or other files", () => {
    expect(showsInline(file("image/png"))).toBe(true);
    expect(showsInline(file("image/webp"))).toBe(true);
    expect(showsInline(file("image/svg+xml"))).toBe(false);
    expect(showsInline(file("application/pdf"))).toBe(false);
    expect(showsInline(file("application/octet-stream"))).toBe(false);
  });

  it("puts images apart from files, keeping their order", () => {
    const all = [file("application/pdf", "a"), file("image/png", "b"), file("text/plain", "c"), file("image/gif", "d")];
    const { images, files } = splitAttachments(all);
    expect(images.map((a) => a.id)).toEqual(["b", "d"]);
    expect(files.map((a) => a.id)).toEqual(["a", "c"]);
  });

  it("addresses thumbnails and full images through the attachment protocol", () => {
    const convert = (path: string, protocol = "asset") => `${protocol}://localhost/${encodeURIComponent(path)}`;
    expect(imageSource("0190-ab", true, convert)).toBe("attachment://localhost/0190-ab?thumbnail");
    expect(imageSource("0190-ab", false, convert)).toBe("attachment://localhost/0190-ab");
  });

  it("reads a file's bytes as base64", async () => {
    expect(await base64Of(new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])]))).toBe("iVBORw==");
  });

  it("names pasted images by type and time", () => {
    const at = new Date("2026-12-07T16:05:09Z");
    expect(pastedName("image/png", at)).toBe("pasted-2026-12-07-16-05-09.png");
    expect(pastedName("image/jpeg", at)).toBe("pasted-2026-12-07-16-05-09.jpg");
  });
});

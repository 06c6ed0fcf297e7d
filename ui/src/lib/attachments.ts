// Files of posts in the window: where an image is shown from, which files
// show inline, and how a picked, dropped or pasted file reaches the shell.
import { convertFileSrc } from "@tauri-apps/api/core";
import type { AttachmentView } from "./bindings";

/** Raster images show inline; anything else (SVG included: it can carry script) is a file to save. */
const INLINE_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

export function showsInline(attachment: Pick<AttachmentView, "content_type">): boolean {
  return INLINE_TYPES.has(attachment.content_type);
}

/** The shell's `attachment:` address of an image (its thumbnail, or the full image). */
export function imageSource(id: string, thumbnail: boolean, convert: typeof convertFileSrc = convertFileSrc): string {
  return convert(id, "attachment") + (thumbnail ? "?thumbnail" : "");
}

/** Images first (shown as a grid), then the other files (a list), each in upload order. */
export function splitAttachments<T extends Pick<AttachmentView, "content_type">>(all: T[]): { images: T[]; files: T[] } {
  return { images: all.filter(showsInline), files: all.filter((a) => !showsInline(a)) };
}

/** A file's bytes in base64, as `stage_file` takes them. */
export async function base64Of(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  // In slices: spreading a whole large file into one call overflows the stack.
  const SLICE = 0x8000;
  for (let at = 0; at < bytes.length; at += SLICE) {
    binary += String.fromCharCode(...bytes.subarray(at, at + SLICE));
  }
  return btoa(binary);
}

/** A name for a pasted image, which has none of its own. */
export function pastedName(type: string, now: Date = new Date()): string {
  const extension = type.split("/")[1]?.replace("jpeg", "jpg") || "png";
  const stamp = now.toISOString().slice(0, 19).replace(/[:T]/g, "-");
  return `pasted-${stamp}.${extension}`;
}

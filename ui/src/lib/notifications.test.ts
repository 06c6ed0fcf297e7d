import { afterEach, describe, expect, it } from "vitest";
import type { NotificationView } from "./bindings";
import { setLocale, t } from "./i18n.svelte";
import { notificationText, unreadBadge } from "./notifications";

function notification(kind: NotificationView["kind"], actor: string | null = "Ada"): NotificationView {
  return {
    id: "n1",
    kind,
    actor_id: actor ? "u1" : null,
    actor_name: actor,
    group_id: "g1",
    group_name: "Design",
    post_id: "p1",
    comment_id: null,
    excerpt: "",
    created_at: 0,
    read: false,
    pending: false,
  };
}

describe("notificationText", () => {
  afterEach(() => setLocale("en"));

  it("says who did what where", () => {
    expect(notificationText(notification("mention"), t)).toBe("Ada mentioned you in Design");
    expect(notificationText(notification("comment_on_post"), t)).toBe("Ada commented on your post in Design");
    expect(notificationText(notification("reply_to_comment", null), t)).toBe(
      "Someone replied to your comment in Design",
    );
  });

  it("speaks French", () => {
    setLocale("fr");
    expect(notificationText(notification("mention"), t)).toBe("Ada vous a mentionné dans Design");
  });
});

describe("unreadBadge", () => {
  it("caps at 99+", () => {
    expect(unreadBadge(3)).toBe("3");
    expect(unreadBadge(99)).toBe("99");
    expect(unreadBadge(100)).toBe("99+");
  });
});

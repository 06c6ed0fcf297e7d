// How a notification reads in the panel (pure, so it is unit-tested).
import type { NotificationView } from "./bindings";
import type { MessageKey } from "./i18n/en";

type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

const KEYS: Record<NotificationView["kind"], MessageKey> = {
  mention: "notification.mention",
  comment_on_post: "notification.commentOnPost",
  reply_to_comment: "notification.replyToComment",
  reaction_to_post: "notification.reactionToPost",
  group_post: "notification.groupPost",
  join_request: "notification.joinRequest",
  request_approved: "notification.requestApproved",
  added_to_group: "notification.addedToGroup",
  announcement: "notification.announcement",
};

export function notificationText(item: NotificationView, t: Translate): string {
  return t(KEYS[item.kind], {
    actor: item.actor_name ?? t("notification.someone"),
    group: item.group_name ?? t("notification.aGroup"),
  });
}

/** The badge shows at most "99+". */
export function unreadBadge(count: number): string {
  return count > 99 ? "99+" : String(count);
}

// How post and comment times read: "just now", "5 min", "3 h", "Yesterday",
// "Tuesday", then a date. Pure functions of (time, now) so they are testable;
// the words come from the dictionary of the current language.
import { t } from "./i18n.svelte";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] as const;
const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"] as const;

const month = (d: Date) => t(`month.${MONTHS[d.getMonth()]}`);
const weekday = (d: Date) => t(`weekday.${WEEKDAYS[d.getDay()]}`);

function startOfDay(ms: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/** Whole calendar days between two instants, in local time (DST-safe). */
function calendarDaysBetween(earlier: number, later: number): number {
  return Math.round((startOfDay(later) - startOfDay(earlier)) / DAY);
}

function clockTime(d: Date): string {
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

/** Short relative time for a timestamp (Unix ms) as seen at `now`. */
export function relativeTime(time: number, now: number): string {
  const elapsed = now - time;
  // A clock slightly ahead on another machine must not show "in 2 min".
  if (elapsed < MINUTE) return t("time.justNow");
  if (elapsed < HOUR) return t("time.minutes", { count: Math.floor(elapsed / MINUTE) });
  const days = calendarDaysBetween(time, now);
  if (days === 0) return t("time.hours", { count: Math.floor(elapsed / HOUR) });
  const d = new Date(time);
  if (days === 1) return t("time.yesterdayAt", { time: clockTime(d) });
  if (days < 7) return t("time.dayAt", { day: weekday(d), time: clockTime(d) });
  const sameYear = d.getFullYear() === new Date(now).getFullYear();
  const date = `${d.getDate()} ${month(d)}`;
  return sameYear ? date : `${date} ${d.getFullYear()}`;
}

/** Full local date and time, for tooltips and screen readers. */
export function absoluteTime(time: number): string {
  const d = new Date(time);
  return t("time.dayAt", { day: `${weekday(d)} ${d.getDate()} ${month(d)} ${d.getFullYear()}`, time: clockTime(d) });
}

/** "in 5 s" / "in 2 min" for a reconnect delay. */
export function retryIn(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  if (seconds < 60) return t("time.inSeconds", { count: seconds });
  return t("time.inMinutes", { count: Math.round(seconds / 60) });
}

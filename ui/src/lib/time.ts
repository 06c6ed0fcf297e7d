// How post and comment times read: "just now", "5 min", "3 h", "Yesterday",
// "Tuesday", then a date. Pure functions of (time, now) so they are testable.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

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
  if (elapsed < MINUTE) return "just now";
  if (elapsed < HOUR) return `${Math.floor(elapsed / MINUTE)} min`;
  const days = calendarDaysBetween(time, now);
  if (days === 0) return `${Math.floor(elapsed / HOUR)} h`;
  const d = new Date(time);
  if (days === 1) return `Yesterday at ${clockTime(d)}`;
  if (days < 7) return `${WEEKDAYS[d.getDay()]} at ${clockTime(d)}`;
  const sameYear = d.getFullYear() === new Date(now).getFullYear();
  const date = `${d.getDate()} ${MONTHS[d.getMonth()]}`;
  return sameYear ? date : `${date} ${d.getFullYear()}`;
}

/** Full local date and time, for tooltips and screen readers. */
export function absoluteTime(time: number): string {
  const d = new Date(time);
  return `${WEEKDAYS[d.getDay()]} ${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()} at ${clockTime(d)}`;
}

/** "in 5 s" / "in 2 min" for a reconnect delay. */
export function retryIn(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  if (seconds < 60) return `in ${seconds} s`;
  return `in ${Math.round(seconds / 60)} min`;
}

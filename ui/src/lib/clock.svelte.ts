// A shared "now" that ticks, so relative times ("5 min") stay true while the window is open.
const TICK_MS = 30_000;

class Clock {
  now = $state(Date.now());
}

export const clock = new Clock();

setInterval(() => {
  clock.now = Date.now();
}, TICK_MS);

// Pure lookup and interpolation, kept apart from the reactive locale so it is unit-testable.

export type Params = Record<string, string | number>;

/** Replaces every `{name}` with its parameter; unknown names stay as written. */
export function interpolate(template: string, params: Params = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

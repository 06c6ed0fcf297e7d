// Turns failures into what a person reads: a headline and what to do next.
import { CommandError } from "./api";
import type { AppError } from "./bindings";
import { t } from "./i18n.svelte";

export interface Problem {
  title: string;
  detail: string;
}

function appErrorOf(error: unknown): AppError | null {
  if (error instanceof CommandError) return error.appError;
  if (typeof error === "object" && error !== null && "kind" in error && "message" in error) {
    const { kind, message } = error as AppError;
    if (typeof kind === "string" && typeof message === "string") return { kind, message };
  }
  return null;
}

/** For the login form, where the server address and the keychain matter most. */
export function describeLoginError(error: unknown, serverUrl: string): Problem {
  const appError = appErrorOf(error);
  switch (appError?.kind) {
    case "invalid_credentials":
      return { title: t("error.wrongPassword"), detail: t("error.wrongPasswordDetail") };
    case "offline":
      return {
        title: t("error.unreachable"),
        detail: t("error.unreachableDetail", { url: serverUrl.trim() || t("error.thisAddress") }),
      };
    case "invalid_input":
      return { title: t("error.checkAddress"), detail: appError.message };
    // "Add account" with an account the window already has.
    case "conflict":
      return { title: t("error.alreadyAdded"), detail: t("error.alreadyAddedDetail") };
    default:
      return describeError(error);
  }
}

/** The login field that most likely needs correcting after `error`, if any. */
export function loginFieldToFix(error: unknown): "server" | "password" | null {
  switch (appErrorOf(error)?.kind) {
    case "invalid_credentials":
      return "password";
    case "offline":
    case "invalid_input":
      return "server";
    default:
      return null;
  }
}

/** For everything else. */
export function describeError(error: unknown): Problem {
  const appError = appErrorOf(error);
  if (appError === null) {
    const message = error instanceof Error ? error.message : String(error);
    return { title: t("error.generic"), detail: message };
  }
  switch (appError.kind) {
    case "keychain":
      return { title: t("error.keychain"), detail: t("error.keychainDetail") };
    case "offline":
      return { title: t("error.offline"), detail: t("error.offlineDetail") };
    case "session_expired":
    case "not_logged_in":
      return { title: t("error.sessionEnded"), detail: t("error.sessionEndedDetail") };
    case "forbidden":
      return { title: t("error.forbidden"), detail: appError.message };
    case "not_found":
      return { title: t("error.notFound"), detail: appError.message };
    case "invalid_input":
      return { title: t("error.invalid"), detail: appError.message };
    case "local":
      return { title: t("error.local"), detail: appError.message };
    default:
      return { title: t("error.generic"), detail: appError.message };
  }
}

/** True when the failure means: show the login form. */
export function endsSession(error: unknown): boolean {
  const kind = appErrorOf(error)?.kind;
  return kind === "session_expired" || kind === "not_logged_in";
}

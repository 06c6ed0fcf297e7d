// Turns failures into what a person reads: a headline and what to do next.
import { CommandError } from "./api";
import type { AppError } from "./bindings";

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
      return {
        title: "Wrong e-mail or password",
        detail: "Check both and try again. Passwords are case-sensitive.",
      };
    case "offline":
      return {
        title: "Can't reach the server",
        detail: `Nothing answered at ${serverUrl.trim() || "this address"}. Check the server address and your network connection.`,
      };
    case "invalid_input":
      return { title: "Check the server address", detail: appError.message };
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
    return { title: "Something went wrong", detail: message };
  }
  switch (appError.kind) {
    case "keychain":
      return {
        title: "Your system keychain is unavailable",
        detail:
          "Commons keeps your session only in the OS keychain (Secret Service), never in a file. " +
          "Unlock or start your keyring, for example GNOME Keyring, then try again.",
      };
    case "offline":
      return {
        title: "You're offline",
        detail: "Your writes are saved and will be sent when the connection is back.",
      };
    case "session_expired":
    case "not_logged_in":
      return { title: "Your session has ended", detail: "Please log in again." };
    case "forbidden":
      return { title: "Not allowed", detail: appError.message };
    case "not_found":
      return { title: "Not found", detail: appError.message };
    case "invalid_input":
      return { title: "That can't be sent", detail: appError.message };
    case "local":
      return { title: "This computer's copy of your data failed", detail: appError.message };
    default:
      return { title: "Something went wrong", detail: appError.message };
  }
}

/** True when the failure means: show the login form. */
export function endsSession(error: unknown): boolean {
  const kind = appErrorOf(error)?.kind;
  return kind === "session_expired" || kind === "not_logged_in";
}

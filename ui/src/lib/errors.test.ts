import { describe, expect, it } from "vitest";
import { CommandError } from "./api";
import { describeError, describeLoginError, endsSession, loginFieldToFix } from "./errors";

describe("describeLoginError", () => {
  it("tells a wrong password apart from an unreachable server", () => {
    const wrong = new CommandError({ kind: "invalid_credentials", message: "invalid credentials" });
    expect(describeLoginError(wrong, "http://x").title).toBe("Wrong e-mail or password");

    const offline = new CommandError({ kind: "offline", message: "offline: cannot reach http://x" });
    const problem = describeLoginError(offline, " http://commons.example:8080 ");
    expect(problem.title).toBe("Can't reach the server");
    expect(problem.detail).toContain("http://commons.example:8080.");
  });

  it("explains a missing keychain instead of failing silently", () => {
    const keychain = new CommandError({ kind: "keychain", message: "no Secret Service" });
    const problem = describeLoginError(keychain, "http://x");
    expect(problem.title).toBe("Your system keychain is unavailable");
    expect(problem.detail).toContain("GNOME Keyring");
  });

  it("says when the account is already in the window", () => {
    const twice = new CommandError({ kind: "conflict", message: "ada@example.org on x is already in this window" });
    expect(describeLoginError(twice, "http://x")).toEqual({
      title: "This account is already in the window",
      detail: "Cancel, then choose it in the list of accounts.",
    });
  });

  it("shows the shell's sentence for a bad address", () => {
    const bad = new CommandError({ kind: "invalid_input", message: "not an http(s) URL: ftp://x" });
    expect(describeLoginError(bad, "ftp://x")).toEqual({
      title: "Check the server address",
      detail: "not an http(s) URL: ftp://x",
    });
  });
});

describe("loginFieldToFix", () => {
  it("points at the password after bad credentials and at the address when unreachable", () => {
    expect(loginFieldToFix(new CommandError({ kind: "invalid_credentials", message: "" }))).toBe("password");
    expect(loginFieldToFix(new CommandError({ kind: "offline", message: "" }))).toBe("server");
    expect(loginFieldToFix(new CommandError({ kind: "keychain", message: "" }))).toBeNull();
  });
});

describe("describeError", () => {
  it("accepts a plain AppError object and unknown throwables", () => {
    expect(describeError({ kind: "forbidden", message: "members only" })).toEqual({
      title: "Not allowed",
      detail: "members only",
    });
    expect(describeError(new Error("boom")).detail).toBe("boom");
    expect(describeError("command feed not found").detail).toBe("command feed not found");
  });
});

describe("endsSession", () => {
  it("is true only for an ended or missing session", () => {
    expect(endsSession(new CommandError({ kind: "session_expired", message: "" }))).toBe(true);
    expect(endsSession(new CommandError({ kind: "not_logged_in", message: "" }))).toBe(true);
    expect(endsSession(new CommandError({ kind: "offline", message: "" }))).toBe(false);
    expect(endsSession(new Error("x"))).toBe(false);
  });
});

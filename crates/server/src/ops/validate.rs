//! Input checks with messages meant for the person who typed the input.

use commons_protocol::{
    MAX_ABOUT_CHARS, MAX_COMMENT_BYTES, MAX_GROUP_DESCRIPTION_CHARS, MAX_GROUP_NAME_CHARS,
    MAX_POST_BYTES, MAX_PROFILE_FIELD_CHARS,
};
use uuid::Uuid;

use super::{OpError, OpResult};

/// Longest group description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = MAX_GROUP_DESCRIPTION_CHARS;
/// Longest display name of a person, in characters.
pub const MAX_USER_NAME_CHARS: usize = 100;
/// Shortest password `admin create-user` accepts, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
const MAX_EMAIL_CHARS: usize = 254;

/// A UUID in its canonical (lowercase, hyphenated) text form.
pub fn id(field: &str, text: &str) -> OpResult<String> {
    Uuid::parse_str(text)
        .map(|id| id.hyphenated().to_string())
        .map_err(|_| OpError::Invalid(format!("{field} must be a UUID, got {text:?}")))
}

pub fn group_name(text: &str) -> OpResult<String> {
    let name = text.trim();
    if name.is_empty() {
        return Err(OpError::Invalid("group name must not be empty".into()));
    }
    if name.chars().count() > MAX_GROUP_NAME_CHARS {
        return Err(OpError::Invalid(format!(
            "group name is longer than {MAX_GROUP_NAME_CHARS} characters"
        )));
    }
    Ok(name.to_string())
}

pub fn description(text: &str) -> OpResult<String> {
    let text = text.trim();
    if text.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(OpError::Invalid(format!(
            "description is longer than {MAX_DESCRIPTION_CHARS} characters"
        )));
    }
    Ok(text.to_string())
}

/// Post text is stored as sent; blank text is refused.
pub fn post_body(text: &str) -> OpResult<()> {
    body("post", text, MAX_POST_BYTES)
}

pub fn comment_body(text: &str) -> OpResult<()> {
    body("comment", text, MAX_COMMENT_BYTES)
}

fn body(what: &str, text: &str, max_bytes: usize) -> OpResult<()> {
    if text.trim().is_empty() {
        return Err(OpError::Invalid(format!("{what} text must not be empty")));
    }
    if text.len() > max_bytes {
        return Err(OpError::Invalid(format!(
            "{what} text is {} bytes, more than the limit of {max_bytes}",
            text.len()
        )));
    }
    Ok(())
}

/// Trimmed and lowercased, so one person cannot get two accounts by case.
pub fn email(text: &str) -> OpResult<String> {
    let email = text.trim().to_lowercase();
    let valid = email.chars().count() <= MAX_EMAIL_CHARS
        && !email.chars().any(char::is_whitespace)
        && matches!(email.split_once('@'), Some((local, domain))
            if !local.is_empty() && !domain.is_empty() && !domain.contains('@'));
    if valid {
        Ok(email)
    } else {
        Err(OpError::Invalid(format!(
            "{text:?} is not an e-mail address"
        )))
    }
}

pub fn user_name(text: &str) -> OpResult<String> {
    let name = text.trim();
    if name.is_empty() {
        return Err(OpError::Invalid("name must not be empty".into()));
    }
    if name.chars().count() > MAX_USER_NAME_CHARS {
        return Err(OpError::Invalid(format!(
            "name is longer than {MAX_USER_NAME_CHARS} characters"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(OpError::Invalid("name must be one line of text".into()));
    }
    Ok(name.to_string())
}

/// A one-line profile field (title, department, location): trimmed, may be empty.
pub fn profile_line(field: &str, text: &str) -> OpResult<String> {
    let line = text.trim();
    if line.chars().any(char::is_control) {
        return Err(OpError::Invalid(format!(
            "{field} must be one line of text"
        )));
    }
    if line.chars().count() > MAX_PROFILE_FIELD_CHARS {
        return Err(OpError::Invalid(format!(
            "{field} is longer than {MAX_PROFILE_FIELD_CHARS} characters"
        )));
    }
    Ok(line.to_string())
}

/// What a person writes about themselves: trimmed, may be empty, may have several lines.
pub fn about(text: &str) -> OpResult<String> {
    let text = text.trim();
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(OpError::Invalid(
            "about may hold text, line breaks and tabs only".into(),
        ));
    }
    if text.chars().count() > MAX_ABOUT_CHARS {
        return Err(OpError::Invalid(format!(
            "about is longer than {MAX_ABOUT_CHARS} characters"
        )));
    }
    Ok(text.to_string())
}

pub fn new_password(password: &str) -> OpResult<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(OpError::Invalid(format!(
            "password must have at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_canonicalised_and_garbage_refused() {
        assert_eq!(
            id("id", "0190A7E2-8C3B-7F00-8000-000000000001").unwrap(),
            "0190a7e2-8c3b-7f00-8000-000000000001"
        );
        assert!(id("id", "nope").is_err());
    }

    #[test]
    fn texts_are_bounded() {
        assert!(group_name("  ").is_err());
        assert!(group_name(&"x".repeat(MAX_GROUP_NAME_CHARS + 1)).is_err());
        assert_eq!(group_name(" Falcon ").unwrap(), "Falcon");
        assert!(post_body(" \n ").is_err());
        assert!(post_body(&"x".repeat(MAX_POST_BYTES + 1)).is_err());
        assert!(post_body(&"x".repeat(MAX_POST_BYTES)).is_ok());
    }

    #[test]
    fn profile_fields_are_one_bounded_line() {
        assert_eq!(
            profile_line("title", "  Staff engineer ").unwrap(),
            "Staff engineer"
        );
        assert_eq!(profile_line("title", "").unwrap(), "");
        assert!(profile_line("title", "two\nlines").is_err());
        assert!(profile_line("title", &"x".repeat(MAX_PROFILE_FIELD_CHARS + 1)).is_err());
        assert!(user_name("Ada\tLovelace").is_err());
        assert_eq!(about(" line one\nline two ").unwrap(), "line one\nline two");
        assert!(about(&"x".repeat(MAX_ABOUT_CHARS + 1)).is_err());
        assert!(about("nul\0byte").is_err());
    }

    #[test]
    fn emails_are_normalised() {
        assert_eq!(email(" Ada@Example.org ").unwrap(), "ada@example.org");
        for bad in ["ada", "@example.org", "ada@", "a b@example.org", "a@b@c"] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }
}

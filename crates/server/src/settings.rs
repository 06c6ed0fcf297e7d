//! `commons.toml`: every setting of the server in one file, each overridable
//! by an environment variable (`COMMONS_` + the key in capitals, dots as
//! underscores: `limits.max_attachment_bytes` is
//! `COMMONS_LIMITS_MAX_ATTACHMENT_BYTES`) and by the command's flags.
//! Precedence: flag, then environment, then file, then the default. A bad
//! file or value names the key and the problem; nothing starts half-configured.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::blobs::S3Config;
use crate::config::{
    AttachmentLimits, AttachmentStoreConfig, DatabaseConfig, LoginLimits, RetentionTuning,
    SsoConfig, StreamTuning, SyncTuning, Tuning, WriteLimits,
};

/// The file's shape. Every field is optional: what is missing comes from
/// the environment, the flags or the defaults.
#[derive(Deserialize, Serialize, Default, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Where the server keeps its data (SQLite database, attachments).
    pub data_dir: Option<PathBuf>,
    /// `postgres://...` to use PostgreSQL instead of the embedded SQLite.
    pub database_url: Option<String>,
    /// Address to listen on (`serve`).
    pub listen: Option<SocketAddr>,
    /// Take client addresses from the last `X-Forwarded-For` entry.
    pub trust_forwarded_for: Option<bool>,
    #[serde(default)]
    pub log: LogSettings,
    #[serde(default)]
    pub limits: LimitSettings,
    #[serde(default)]
    pub stream: StreamSettings,
    #[serde(default)]
    pub sync: SyncSettings,
    #[serde(default)]
    pub attachments: AttachmentSettings,
    #[serde(default)]
    pub retention: RetentionSettings,
    #[serde(default)]
    pub sso: SsoSettings,
}

#[derive(Deserialize, Serialize, Default, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RetentionSettings {
    /// How often `serve` applies the retention policies: seconds (`3600`) or
    /// `30m`, `1h`, `1d`; `0` or `off` never.
    pub interval: Option<Interval>,
}

/// A number of seconds, or text such as `90s`, `30m`, `1h`, `1d`, `off`.
#[derive(Deserialize, Serialize, Debug, Clone, PartialEq)]
#[serde(untagged)]
pub enum Interval {
    Secs(u64),
    Text(String),
}

impl Interval {
    /// `None` when off.
    fn resolve(&self) -> Result<Option<Duration>, SettingsError> {
        let problem = || SettingsError::Value {
            key: "retention.interval",
            problem: "must be a number of seconds, or like `30m`, `1h`, `1d`, or `off`".into(),
        };
        let secs = match self {
            Interval::Secs(secs) => *secs,
            Interval::Text(text) => {
                let text = text.trim().to_lowercase();
                if text == "off" {
                    return Ok(None);
                }
                let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
                    Some(at) => text.split_at(at),
                    None => (text.as_str(), "s"),
                };
                let number: u64 = number.parse().map_err(|_| problem())?;
                let unit = match unit.trim() {
                    "s" => 1,
                    "m" => 60,
                    "h" => 60 * 60,
                    "d" => 24 * 60 * 60,
                    _ => return Err(problem()),
                };
                number.checked_mul(unit).ok_or_else(problem)?
            }
        };
        Ok((secs > 0).then(|| Duration::from_secs(secs)))
    }

    /// As `config check` prints it.
    fn effective(every: Option<Duration>) -> Interval {
        match every {
            Some(every) => Interval::Text(format!("{}s", every.as_secs())),
            None => Interval::Text("off".into()),
        }
    }
}

/// Single sign-on through an OpenID Connect provider (`docs/sso.md`). Off
/// unless `issuer_url` is set.
#[derive(Deserialize, Serialize, Default, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SsoSettings {
    /// The provider's issuer (`https://login.example.org/realms/acme`).
    pub issuer_url: Option<String>,
    pub client_id: Option<String>,
    /// Masked by `config check`.
    pub client_secret: Option<String>,
    /// This server's callback as registered with the provider:
    /// `https://commons.example.org/api/v1/auth/sso/callback`.
    pub redirect_url: Option<String>,
    /// Refuse password logins (organisation admins keep theirs).
    pub required: Option<bool>,
    /// Space-separated; `openid email profile` are always asked for.
    pub scopes: Option<String>,
    /// The apps' login button, `Log in with single sign-on` by default.
    pub button_label: Option<String>,
}

#[derive(Deserialize, Serialize, Default, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AttachmentSettings {
    /// `local` (the data directory) or `s3`.
    pub store: Option<StoreKind>,
    #[serde(default)]
    pub s3: S3Settings,
}

#[derive(Deserialize, Serialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    #[default]
    Local,
    S3,
}

#[derive(Deserialize, Serialize, Default, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct S3Settings {
    /// `https://...`; an `http://` endpoint is allowed for a store on the local network.
    pub endpoint: Option<String>,
    pub bucket: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

#[derive(Deserialize, Serialize, Default, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: Option<LogFormat>,
    /// A `RUST_LOG`-style filter, `info` by default.
    pub level: Option<String>,
}

#[derive(Deserialize, Serialize, Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Deserialize, Serialize, Default, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LimitSettings {
    pub max_attachment_bytes: Option<u64>,
    pub login_failures_per_email: Option<i64>,
    pub login_failures_per_address: Option<i64>,
    pub login_window_secs: Option<u64>,
    /// Writes one person may make per window, on all nodes together.
    pub writes_per_person: Option<i64>,
    pub writes_window_secs: Option<u64>,
}

#[derive(Deserialize, Serialize, Default, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SyncSettings {
    /// Posts of a group sent when someone joins it (older ones load on scroll).
    pub join_backfill_posts: Option<i64>,
}

#[derive(Deserialize, Serialize, Default, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StreamSettings {
    pub ping_every_secs: Option<u64>,
    pub silence_limit_secs: Option<u64>,
    pub send_timeout_secs: Option<u64>,
}

/// Every key, as written in the file; each has its environment variable.
pub const KEYS: &[&str] = &[
    "data_dir",
    "database_url",
    "listen",
    "trust_forwarded_for",
    "log.format",
    "log.level",
    "limits.max_attachment_bytes",
    "limits.login_failures_per_email",
    "limits.login_failures_per_address",
    "limits.login_window_secs",
    "limits.writes_per_person",
    "limits.writes_window_secs",
    "sync.join_backfill_posts",
    "stream.ping_every_secs",
    "stream.silence_limit_secs",
    "stream.send_timeout_secs",
    "attachments.store",
    "attachments.s3.endpoint",
    "attachments.s3.bucket",
    "attachments.s3.region",
    "attachments.s3.access_key_id",
    "attachments.s3.secret_access_key",
    "retention.interval",
    "sso.issuer_url",
    "sso.client_id",
    "sso.client_secret",
    "sso.redirect_url",
    "sso.required",
    "sso.scopes",
    "sso.button_label",
];

/// Keys whose environment value is always text (a directory named `2026`).
const TEXT_KEYS: &[&str] = &[
    "attachments.store",
    "attachments.s3.endpoint",
    "attachments.s3.bucket",
    "attachments.s3.region",
    "attachments.s3.access_key_id",
    "attachments.s3.secret_access_key",
    "sso.issuer_url",
    "sso.client_id",
    "sso.client_secret",
    "sso.redirect_url",
    "sso.scopes",
    "sso.button_label",
    "data_dir",
    "database_url",
    "listen",
    "log.format",
    "log.level",
];

/// `COMMONS_` + the key in capitals, dots as underscores.
pub fn env_name(key: &str) -> String {
    format!("COMMONS_{}", key.replace('.', "_").to_uppercase())
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
    #[error("`{key}`: {problem}")]
    Value { key: &'static str, problem: String },
}

impl Settings {
    /// The file at `path` (none: an empty file), then the environment on top.
    pub fn load(
        path: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, SettingsError> {
        let (mut table, origin) = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| SettingsError::Read {
                    path: path.to_path_buf(),
                    source,
                })?;
                let table: toml::Table =
                    text.parse()
                        .map_err(|e: toml::de::Error| SettingsError::Invalid {
                            origin: path.display().to_string(),
                            message: e.to_string(),
                        })?;
                (table, path.display().to_string())
            }
            None => (toml::Table::new(), "the settings".to_string()),
        };
        for key in KEYS {
            if let Some(value) = env(&env_name(key)) {
                let value = if TEXT_KEYS.contains(key) {
                    toml::Value::String(value)
                } else {
                    env_value(&value)
                };
                set(&mut table, key, value);
            }
        }
        let settings: Settings =
            table
                .try_into()
                .map_err(|e: toml::de::Error| SettingsError::Invalid {
                    origin: format!("{origin} (with the COMMONS_ environment)"),
                    message: e.to_string(),
                })?;
        Ok(settings)
    }

    /// What `serve` and the other commands run with, checked.
    pub fn resolve(&self) -> Result<Resolved, SettingsError> {
        let data_dir = self.data_dir.clone().ok_or(SettingsError::Value {
            key: "data_dir",
            problem: "missing: set it in the file, COMMONS_DATA_DIR or --data-dir".into(),
        })?;
        if let Some(url) = &self.database_url {
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                return Err(SettingsError::Value {
                    key: "database_url",
                    problem: "must start with postgres:// (leave it out for the embedded SQLite)"
                        .into(),
                });
            }
        }
        let level = self.log.level.clone().unwrap_or_else(|| "info".into());
        if tracing_subscriber::EnvFilter::try_new(&level).is_err() {
            return Err(SettingsError::Value {
                key: "log.level",
                problem: format!("{level:?} is not a log filter (for example `info` or `info,commons_server=debug`)"),
            });
        }
        let defaults = Tuning::default();
        let positive = |key: &'static str, value: Option<u64>, default: u64| match value {
            Some(0) => Err(SettingsError::Value {
                key,
                problem: "must be more than 0".into(),
            }),
            Some(v) => Ok(v),
            None => Ok(default),
        };
        let secs = |d: Duration| d.as_secs();
        let count = |key: &'static str, value: Option<i64>, default: i64| match value {
            Some(n) if n < 1 => Err(SettingsError::Value {
                key,
                problem: "must be at least 1".into(),
            }),
            Some(n) => Ok(n),
            None => Ok(default),
        };
        let limits = &self.limits;
        let stream = &self.stream;
        let login_per_email = positive(
            "limits.login_failures_per_email",
            limits.login_failures_per_email.map(clamp_u64),
            clamp_u64(defaults.login.per_email),
        )?;
        let login_per_address = positive(
            "limits.login_failures_per_address",
            limits.login_failures_per_address.map(clamp_u64),
            clamp_u64(defaults.login.per_address),
        )?;
        let ping_every = positive(
            "stream.ping_every_secs",
            stream.ping_every_secs,
            secs(defaults.stream.ping_every),
        )?;
        let silence_limit = positive(
            "stream.silence_limit_secs",
            stream.silence_limit_secs,
            secs(defaults.stream.silence_limit),
        )?;
        if silence_limit <= ping_every {
            return Err(SettingsError::Value {
                key: "stream.silence_limit_secs",
                problem: format!("must be more than stream.ping_every_secs ({ping_every}), or every connection is closed"),
            });
        }
        let retention = match &self.retention.interval {
            Some(interval) => interval.resolve()?,
            None => defaults.retention.every,
        };
        let tuning = Tuning {
            stream: StreamTuning {
                ping_every: Duration::from_secs(ping_every),
                silence_limit: Duration::from_secs(silence_limit),
                send_timeout: Duration::from_secs(positive(
                    "stream.send_timeout_secs",
                    stream.send_timeout_secs,
                    secs(defaults.stream.send_timeout),
                )?),
            },
            login: LoginLimits {
                per_email: i64::try_from(login_per_email).unwrap_or(i64::MAX),
                per_address: i64::try_from(login_per_address).unwrap_or(i64::MAX),
                window: Duration::from_secs(positive(
                    "limits.login_window_secs",
                    limits.login_window_secs,
                    secs(defaults.login.window),
                )?),
            },
            writes: WriteLimits {
                per_user: count(
                    "limits.writes_per_person",
                    limits.writes_per_person,
                    defaults.writes.per_user,
                )?,
                window: Duration::from_secs(positive(
                    "limits.writes_window_secs",
                    limits.writes_window_secs,
                    secs(defaults.writes.window),
                )?),
            },
            sync: SyncTuning {
                join_backfill_posts: count(
                    "sync.join_backfill_posts",
                    self.sync.join_backfill_posts,
                    defaults.sync.join_backfill_posts,
                )?,
            },
            attachments: AttachmentLimits {
                max_bytes: positive(
                    "limits.max_attachment_bytes",
                    limits.max_attachment_bytes,
                    defaults.attachments.max_bytes,
                )?,
            },
            retention: RetentionTuning { every: retention },
        };
        let attachment_store = self.attachments.resolve()?;
        let sso = self.sso.resolve()?;
        Ok(Resolved {
            sso,
            attachment_store,
            database: DatabaseConfig::new(data_dir, self.database_url.clone()),
            listen: self
                .listen
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
            trust_forwarded_for: self.trust_forwarded_for.unwrap_or(false),
            log_format: self.log.format.unwrap_or_default(),
            log_level: level,
            tuning,
        })
    }
}

impl AttachmentSettings {
    fn resolve(&self) -> Result<AttachmentStoreConfig, SettingsError> {
        if self.store.unwrap_or_default() == StoreKind::Local {
            return Ok(AttachmentStoreConfig::Local);
        }
        let s3 = &self.s3;
        let required = |key: &'static str, value: &Option<String>| {
            value
                .clone()
                .filter(|v| !v.is_empty())
                .ok_or(SettingsError::Value {
                    key,
                    problem: "missing: the s3 attachment store needs it".into(),
                })
        };
        let endpoint = required("attachments.s3.endpoint", &s3.endpoint)?;
        let allow_http = endpoint.starts_with("http://");
        if !allow_http && !endpoint.starts_with("https://") {
            return Err(SettingsError::Value {
                key: "attachments.s3.endpoint",
                problem: "must be an https:// (or, on a local network, http://) address".into(),
            });
        }
        Ok(AttachmentStoreConfig::S3(S3Config {
            endpoint,
            bucket: required("attachments.s3.bucket", &s3.bucket)?,
            region: s3.region.clone().unwrap_or_else(|| "us-east-1".into()),
            access_key_id: required("attachments.s3.access_key_id", &s3.access_key_id)?,
            secret_access_key: required("attachments.s3.secret_access_key", &s3.secret_access_key)?,
            allow_http,
        }))
    }

    /// As `config check` prints it: the secret key masked.
    fn effective(store: &AttachmentStoreConfig) -> AttachmentSettings {
        match store {
            AttachmentStoreConfig::Local => AttachmentSettings {
                store: Some(StoreKind::Local),
                s3: S3Settings::default(),
            },
            AttachmentStoreConfig::S3(s3) => AttachmentSettings {
                store: Some(StoreKind::S3),
                s3: S3Settings {
                    endpoint: Some(s3.endpoint.clone()),
                    bucket: Some(s3.bucket.clone()),
                    region: Some(s3.region.clone()),
                    access_key_id: Some(s3.access_key_id.clone()),
                    secret_access_key: Some("****".into()),
                },
            },
        }
    }
}

/// The path every `sso.redirect_url` ends with.
const SSO_CALLBACK_PATH: &str = "/api/v1/auth/sso/callback";
/// Asked of every provider: who the person is, their e-mail and name.
const SSO_SCOPES: &[&str] = &["openid", "email", "profile"];

impl SsoSettings {
    fn resolve(&self) -> Result<Option<SsoConfig>, SettingsError> {
        let Some(issuer_url) = self.issuer_url.clone().filter(|v| !v.is_empty()) else {
            if self.client_id.is_some() || self.required == Some(true) {
                return Err(SettingsError::Value {
                    key: "sso.issuer_url",
                    problem: "missing: single sign-on needs the provider's issuer URL".into(),
                });
            }
            return Ok(None);
        };
        if !is_secure_or_local(&issuer_url) {
            return Err(SettingsError::Value {
                key: "sso.issuer_url",
                problem:
                    "must be an https:// address (http:// only for a provider on this machine)"
                        .into(),
            });
        }
        let required = |key: &'static str, value: &Option<String>| {
            value
                .clone()
                .filter(|v| !v.is_empty())
                .ok_or(SettingsError::Value {
                    key,
                    problem: "missing: single sign-on needs it".into(),
                })
        };
        let redirect_url = required("sso.redirect_url", &self.redirect_url)?;
        let parsed = url::Url::parse(&redirect_url).ok();
        if !parsed.is_some_and(|u| {
            matches!(u.scheme(), "https" | "http") && u.path().ends_with(SSO_CALLBACK_PATH)
        }) {
            return Err(SettingsError::Value {
                key: "sso.redirect_url",
                problem: format!(
                    "must be this server's public address followed by {SSO_CALLBACK_PATH}"
                ),
            });
        }
        let mut scopes: Vec<String> = SSO_SCOPES.iter().map(|s| s.to_string()).collect();
        for scope in self
            .scopes
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
        {
            if !scopes.iter().any(|s| s == scope) {
                scopes.push(scope.to_string());
            }
        }
        Ok(Some(SsoConfig {
            issuer_url,
            client_id: required("sso.client_id", &self.client_id)?,
            client_secret: required("sso.client_secret", &self.client_secret)?,
            redirect_url,
            required: self.required.unwrap_or(false),
            scopes,
            button_label: self
                .button_label
                .clone()
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| "Log in with single sign-on".into()),
        }))
    }

    /// As `config check` prints it: the client secret masked.
    fn effective(sso: Option<&SsoConfig>) -> SsoSettings {
        let Some(sso) = sso else {
            return SsoSettings::default();
        };
        SsoSettings {
            issuer_url: Some(sso.issuer_url.clone()),
            client_id: Some(sso.client_id.clone()),
            client_secret: Some("****".into()),
            redirect_url: Some(sso.redirect_url.clone()),
            required: Some(sso.required),
            scopes: Some(sso.scopes.join(" ")),
            button_label: Some(sso.button_label.clone()),
        }
    }
}

/// `https://...`, or `http://` to this machine (a provider started for a test).
fn is_secure_or_local(address: &str) -> bool {
    let Ok(url) = url::Url::parse(address) else {
        return false;
    };
    match url.scheme() {
        "https" => true,
        "http" => match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(name)) => name == "localhost",
            None => false,
        },
        _ => false,
    }
}

/// Negative counts are refused as 0 is: both mean "nobody may log in".
fn clamp_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// Settings after precedence and checks.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub sso: Option<SsoConfig>,
    pub attachment_store: AttachmentStoreConfig,
    pub database: DatabaseConfig,
    pub listen: SocketAddr,
    pub trust_forwarded_for: bool,
    pub log_format: LogFormat,
    pub log_level: String,
    pub tuning: Tuning,
}

impl Resolved {
    /// The effective configuration as a `commons.toml`, the database
    /// password masked.
    pub fn to_toml(&self) -> String {
        let effective = Settings {
            data_dir: Some(self.database.data_dir.clone()),
            database_url: self.database.url.as_deref().map(mask_password),
            listen: Some(self.listen),
            trust_forwarded_for: Some(self.trust_forwarded_for),
            log: LogSettings {
                format: Some(self.log_format),
                level: Some(self.log_level.clone()),
            },
            limits: LimitSettings {
                max_attachment_bytes: Some(self.tuning.attachments.max_bytes),
                login_failures_per_email: Some(self.tuning.login.per_email),
                login_failures_per_address: Some(self.tuning.login.per_address),
                login_window_secs: Some(self.tuning.login.window.as_secs()),
                writes_per_person: Some(self.tuning.writes.per_user),
                writes_window_secs: Some(self.tuning.writes.window.as_secs()),
            },
            sync: SyncSettings {
                join_backfill_posts: Some(self.tuning.sync.join_backfill_posts),
            },
            stream: StreamSettings {
                ping_every_secs: Some(self.tuning.stream.ping_every.as_secs()),
                silence_limit_secs: Some(self.tuning.stream.silence_limit.as_secs()),
                send_timeout_secs: Some(self.tuning.stream.send_timeout.as_secs()),
            },
            attachments: AttachmentSettings::effective(&self.attachment_store),
            retention: RetentionSettings {
                interval: Some(Interval::effective(self.tuning.retention.every)),
            },
            sso: SsoSettings::effective(self.sso.as_ref()),
        };
        toml::to_string(&effective).unwrap_or_else(|e| format!("# cannot print: {e}\n"))
    }
}

/// `postgres://user:secret@host/db` -> `postgres://user:****@host/db`.
pub fn mask_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((credentials, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:****@{host}"),
        None => url.to_string(),
    }
}

/// An environment value as TOML would read it (`true`, `25`), else a string.
fn env_value(text: &str) -> toml::Value {
    format!("v = {text}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .filter(|v| !v.is_table() && !v.is_array())
        .unwrap_or_else(|| toml::Value::String(text.to_string()))
}

fn set(table: &mut toml::Table, key: &str, value: toml::Value) {
    match key.split_once('.') {
        Some((section, rest)) => {
            let entry = table
                .entry(section)
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if let toml::Value::Table(inner) = entry {
                set(inner, rest, value);
            }
        }
        None => {
            table.insert(key.to_string(), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(file.path(), text).expect("write");
        file
    }

    fn load(text: &str, env: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let f = file(text);
        Settings::load(Some(f.path()), |name| env.get(name).cloned())
    }

    #[test]
    fn the_environment_overrides_the_file_and_defaults_fill_the_rest() {
        let settings = load(
            "data_dir = \"/srv/commons\"\nlisten = \"0.0.0.0:80\"\n[limits]\nmax_attachment_bytes = 1000\n",
            &[("COMMONS_LISTEN", "127.0.0.1:9000"), ("COMMONS_LIMITS_LOGIN_WINDOW_SECS", "60"), ("COMMONS_DATA_DIR", "2026")],
        )
        .expect("valid");
        let resolved = settings.resolve().expect("resolves");
        assert_eq!(resolved.listen, "127.0.0.1:9000".parse().unwrap());
        assert_eq!(resolved.database.data_dir, PathBuf::from("2026"));
        assert_eq!(resolved.tuning.attachments.max_bytes, 1000);
        assert_eq!(resolved.tuning.login.window, Duration::from_secs(60));
        assert_eq!(
            resolved.tuning.login.per_email,
            LoginLimits::default().per_email
        );
        assert_eq!(resolved.log_format, LogFormat::Text);
    }

    #[test]
    fn problems_name_the_key() {
        let unknown = load(
            "data_dir = \"/d\"\n[limits]\nmax_attachment_byte = 5\n",
            &[],
        )
        .unwrap_err();
        assert!(
            unknown.to_string().contains("max_attachment_byte"),
            "{unknown}"
        );
        let wrong_type = load("data_dir = \"/d\"\nlisten = 8080\n", &[]).unwrap_err();
        assert!(wrong_type.to_string().contains("listen"), "{wrong_type}");
        let from_env = load(
            "data_dir = \"/d\"\n",
            &[("COMMONS_STREAM_PING_EVERY_SECS", "soon")],
        )
        .unwrap_err();
        assert!(
            from_env.to_string().contains("ping_every_secs"),
            "{from_env}"
        );
        let not_toml = load("data_dir = \n", &[]).unwrap_err();
        assert!(not_toml.to_string().contains("line 1"), "{not_toml}");

        let zero = load("data_dir = \"/d\"\n[limits]\nlogin_window_secs = 0\n", &[])
            .unwrap()
            .resolve()
            .unwrap_err();
        assert!(
            zero.to_string().contains("limits.login_window_secs"),
            "{zero}"
        );
        let missing = load("", &[]).unwrap().resolve().unwrap_err();
        assert!(missing.to_string().contains("data_dir"), "{missing}");
        let mysql = load("data_dir = \"/d\"\ndatabase_url = \"mysql://x\"\n", &[])
            .unwrap()
            .resolve()
            .unwrap_err();
        assert!(mysql.to_string().contains("database_url"), "{mysql}");
        let silence = load(
            "data_dir = \"/d\"\n[stream]\nping_every_secs = 30\nsilence_limit_secs = 30\n",
            &[],
        )
        .unwrap()
        .resolve()
        .unwrap_err();
        assert!(
            silence.to_string().contains("silence_limit_secs"),
            "{silence}"
        );
    }

    #[test]
    fn the_retention_interval_takes_seconds_units_or_off() {
        let every = |text: &str| {
            load(
                &format!("data_dir = \"/d\"\n[retention]\ninterval = {text}\n"),
                &[],
            )
            .and_then(|s| s.resolve())
            .map(|r| r.tuning.retention.every)
        };
        assert_eq!(every("90").unwrap(), Some(Duration::from_secs(90)));
        assert_eq!(every("\"30m\"").unwrap(), Some(Duration::from_secs(1800)));
        assert_eq!(every("\"1d\"").unwrap(), Some(Duration::from_secs(86400)));
        assert_eq!(every("\"off\"").unwrap(), None);
        assert_eq!(every("0").unwrap(), None);
        let default = load("data_dir = \"/d\"\n", &[]).unwrap().resolve().unwrap();
        assert_eq!(
            default.tuning.retention.every,
            Some(Duration::from_secs(3600))
        );
        let from_env = load(
            "data_dir = \"/d\"\n",
            &[("COMMONS_RETENTION_INTERVAL", "off")],
        )
        .unwrap()
        .resolve()
        .unwrap();
        assert_eq!(from_env.tuning.retention.every, None);
        let bad = every("\"soon\"").unwrap_err();
        assert!(bad.to_string().contains("retention.interval"), "{bad}");
        // What `config check` prints reads back as the same interval.
        let text = load("data_dir = \"/d\"\n[retention]\ninterval = \"2h\"\n", &[])
            .unwrap()
            .resolve()
            .unwrap()
            .to_toml();
        let again: Settings = toml::from_str(&text).expect("parses back");
        assert_eq!(
            again.resolve().unwrap().tuning.retention.every,
            Some(Duration::from_secs(7200))
        );
    }

    #[test]
    fn the_effective_configuration_masks_the_database_password() {
        let settings = load(
            "data_dir = \"/d\"\ndatabase_url = \"postgres://commons:hunter2@db:5432/commons\"\n",
            &[],
        )
        .unwrap();
        let text = settings.resolve().unwrap().to_toml();
        assert!(
            text.contains("postgres://commons:****@db:5432/commons"),
            "{text}"
        );
        assert!(!text.contains("hunter2"));
        // What it prints is itself a valid configuration.
        let again: Settings = toml::from_str(&text).expect("parses back");
        assert_eq!(
            again.limits.max_attachment_bytes,
            Some(AttachmentLimits::default().max_bytes)
        );
        assert_eq!(
            mask_password("postgres://db/commons"),
            "postgres://db/commons"
        );
    }

    #[test]
    fn single_sign_on_is_checked_and_its_secret_masked() {
        let text =
            "data_dir = \"/d\"\n[sso]\nissuer_url = \"https://login.example.org/realms/acme\"\n\
            client_id = \"commons\"\nclient_secret = \"hunter2\"\nscopes = \"groups email\"\n\
            redirect_url = \"https://commons.example.org/api/v1/auth/sso/callback\"\n";
        let resolved = load(text, &[("COMMONS_SSO_REQUIRED", "true")])
            .unwrap()
            .resolve()
            .unwrap();
        let sso = resolved.sso.clone().expect("sso configured");
        assert!(sso.required);
        assert_eq!(sso.scopes, ["openid", "email", "profile", "groups"]);
        assert_eq!(sso.button_label, "Log in with single sign-on");
        let printed = resolved.to_toml();
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("client_secret = \"****\""), "{printed}");

        let no_secret = text.replace("client_secret = \"hunter2\"\n", "");
        let problem = load(&no_secret, &[]).unwrap().resolve().unwrap_err();
        assert!(
            problem.to_string().contains("sso.client_secret"),
            "{problem}"
        );
        let plain_http = text.replace("https://login", "http://login");
        let problem = load(&plain_http, &[]).unwrap().resolve().unwrap_err();
        assert!(problem.to_string().contains("sso.issuer_url"), "{problem}");
        let wrong_path = text.replace("/api/v1/auth/sso/callback", "/callback");
        let problem = load(&wrong_path, &[]).unwrap().resolve().unwrap_err();
        assert!(
            problem.to_string().contains("sso.redirect_url"),
            "{problem}"
        );
        let off = load("data_dir = \"/d\"\n", &[]).unwrap().resolve().unwrap();
        assert_eq!(off.sso, None);
    }

    #[test]
    fn every_key_is_read_from_its_environment_variable() {
        let value = |key: &str| match key {
            "data_dir" => "/x",
            "database_url" => "postgres://a/b",
            "listen" => "1.2.3.4:5",
            "trust_forwarded_for" => "true",
            "log.format" => "json",
            "log.level" => "debug",
            "sso.required" => "true",
            "sso.issuer_url" => "https://login.example.org",
            "sso.redirect_url" => "https://commons.example.org/api/v1/auth/sso/callback",
            "attachments.store" => "s3",
            k if k.starts_with("attachments.s3.") => "http://s3.local",
            _ => "7",
        };
        let env: Vec<(String, &str)> = KEYS.iter().map(|k| (env_name(k), value(k))).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        let settings = load("", &env).expect("valid");
        let table = toml::Table::try_from(&settings).expect("table");
        for key in KEYS {
            let found = key
                .split('.')
                .try_fold(&table, |t, part| match t.get(part) {
                    Some(toml::Value::Table(inner)) => Some(inner),
                    Some(v) => {
                        assert_eq!(v.to_string().trim_matches('"'), value(key), "{key}");
                        Some(t)
                    }
                    None => None,
                });
            assert!(found.is_some(), "{key} was not read from {}", env_name(key));
        }
        assert_eq!(
            env_name("limits.max_attachment_bytes"),
            "COMMONS_LIMITS_MAX_ATTACHMENT_BYTES"
        );
    }
}

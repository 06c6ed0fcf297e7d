//! A browser for single sign-on tests, without JavaScript: follows
//! redirects, keeps cookies per host and port, and fills the test identity
//! provider's sign-in and consent forms (`tests/oidc/provider.mjs`).

use std::collections::HashMap;

use reqwest::{StatusCode, Url};

/// A page the browser stopped at.
pub struct Page {
    pub url: Url,
    pub status: StatusCode,
    pub body: String,
}

#[derive(Default)]
pub struct Browser {
    http: reqwest::Client,
    cookies: HashMap<String, HashMap<String, String>>,
    /// Every URL visited, in order.
    pub visited: Vec<Url>,
    /// Redirects to URLs starting with this are where the browser stops,
    /// without visiting them (an app's redirect URI nothing listens on).
    stop_at: Option<String>,
}

impl Browser {
    pub fn new() -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("HTTP client"),
            ..Browser::default()
        }
    }

    /// A browser that stops, without visiting, at the first URL starting
    /// with `prefix`: the page it answers has that URL and no body.
    pub fn stopping_at(prefix: &str) -> Browser {
        Browser {
            stop_at: Some(prefix.to_string()),
            ..Browser::new()
        }
    }

    fn stops_at(&self, url: &Url) -> bool {
        self.stop_at
            .as_deref()
            .is_some_and(|prefix| url.as_str().starts_with(prefix))
    }

    /// Goes to `url` (POSTing `form` if any) and on through redirects until a
    /// page answers (or the browser reaches where it stops).
    pub async fn go(&mut self, url: &str, form: Option<&[(&str, &str)]>) -> Page {
        let mut url = Url::parse(url).expect("URL");
        let mut form = form;
        for _ in 0..20 {
            if self.stops_at(&url) {
                return Page {
                    url,
                    status: StatusCode::SEE_OTHER,
                    body: String::new(),
                };
            }
            self.visited.push(url.clone());
            let origin = format!(
                "{}:{}",
                url.host_str().unwrap_or_default(),
                url.port_or_known_default().unwrap_or(0)
            );
            let mut request = match form.take() {
                Some(fields) => self.http.post(url.clone()).form(fields),
                None => self.http.get(url.clone()),
            };
            if let Some(jar) = self.cookies.get(&origin) {
                let pairs: Vec<String> = jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
                request = request.header("cookie", pairs.join("; "));
            }
            let response = request.send().await.expect("the page answers");
            let jar = self.cookies.entry(origin).or_default();
            for cookie in response.headers().get_all("set-cookie") {
                let text = cookie.to_str().expect("cookie text");
                let pair = text.split(';').next().unwrap_or_default();
                let (name, value) = pair.split_once('=').expect("name=value");
                let expired = text
                    .to_ascii_lowercase()
                    .contains("expires=thu, 01 jan 1970");
                if value.is_empty() || expired {
                    jar.remove(name);
                } else {
                    jar.insert(name.to_string(), value.to_string());
                }
            }
            let status = response.status();
            if status.is_redirection() {
                let location = response.headers()["location"].to_str().expect("location");
                url = url.join(location).expect("a location URL");
                continue;
            }
            let body = response.text().await.expect("body");
            return Page { url, status, body };
        }
        panic!("too many redirects; visited {:?}", self.visited);
    }

    /// Opens `url` and signs in at the provider (and consents) when it asks,
    /// until a page without a form (the app's "signed in" page) or where the
    /// browser stops.
    pub async fn sign_in(&mut self, url: &str, email: &str, password: &str) -> Page {
        let mut page = self.go(url, None).await;
        for _ in 0..4 {
            if self.stops_at(&page.url) {
                return page;
            }
            assert_eq!(page.status, StatusCode::OK, "{}: {}", page.url, page.body);
            let Some(action) = form_action(&page.body) else {
                return page;
            };
            let target = page.url.join(&action).expect("action URL").to_string();
            page = if action.ends_with("/login") {
                self.go(&target, Some(&[("email", email), ("password", password)]))
                    .await
            } else {
                self.go(&target, Some(&[])).await
            };
        }
        panic!("the sign-in did not end; visited {:?}", self.visited);
    }
}

fn form_action(html: &str) -> Option<String> {
    let start = html.find("action=\"")? + "action=\"".len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

//! A repository's tags from the registry's tag list API (`GET /v2/<name>/tags/list`), page by
//! page as the registry's `Link: <...>; rel="next"` header leads (OCI distribution spec,
//! "Listing Tags").

use reqwest::StatusCode;
use serde::Deserialize;

use super::client::{Client, read_prefix};
use super::{LoadOptions, SourceError, err};
use crate::source::reference::Reference;

/// Tags asked for per page.
const PAGE: usize = 1000;
/// Largest page body accepted (a thousand tags of 128 characters is 130 KB).
const MAX_PAGE_BODY: usize = 4 << 20;
/// The most tags listed: past it the registry is not paginating sensibly.
const MAX_TAGS: usize = 1_000_000;

#[derive(Debug, Deserialize)]
struct Page {
    #[serde(default)]
    tags: Option<Vec<String>>,
}

/// Every tag of `repository` (`REGISTRY/REPO`, with or without `docker://`), sorted.
pub fn list(repository: &str, options: &LoadOptions) -> Result<Vec<String>, SourceError> {
    list_paged(repository, options, PAGE)
}

/// As [`list`], asking for `page` tags at a time (tests use small pages to follow the links).
pub fn list_paged(
    repository: &str,
    options: &LoadOptions,
    page: usize,
) -> Result<Vec<String>, SourceError> {
    let text = repository
        .strip_prefix("docker://")
        .or_else(|| repository.strip_prefix("registry:"))
        .unwrap_or(repository);
    let reference = Reference::parse(text).map_err(|e| SourceError::Reference(e.to_string()))?;
    if reference.digest.is_some() || text.rsplit('/').next().is_some_and(|l| l.contains(':')) {
        return Err(SourceError::Reference(format!(
            "--all-tags takes a repository without a tag or digest, not {}",
            crate::escape::text(text)
        )));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| err(format!("{text}: cannot start the network runtime: {e}")))?;
    runtime.block_on(async {
        let client = Client::connect(&reference, options).await?;
        let mut tags = Vec::new();
        let mut path = format!("tags/list?n={}", page.max(1));
        loop {
            let response = client.get(&path, None, None).await?;
            if response.status() != StatusCode::OK {
                return Err(client.error_for(response, "the tag list").await);
            }
            let next = next_page(response.headers());
            let body = read_prefix(response, MAX_PAGE_BODY + 1).await;
            if body.len() > MAX_PAGE_BODY {
                return Err(err(format!(
                    "{}: a page of the tag list of {} is larger than {MAX_PAGE_BODY} bytes",
                    client.host, client.repository
                )));
            }
            let page: Page = serde_json::from_slice(&body).map_err(|e| {
                let excerpt = crate::layer::excerpt(body.get(..80).unwrap_or(&body));
                err(format!(
                    "{}: the tag list of {} is not valid JSON ({e}): {excerpt}",
                    client.host, client.repository
                ))
            })?;
            tags.extend(page.tags.unwrap_or_default());
            if tags.len() > MAX_TAGS {
                return Err(err(format!(
                    "{}: {} has more than {MAX_TAGS} tags",
                    client.host, client.repository
                )));
            }
            match next {
                Some(p) if p != path => path = p,
                _ => break,
            }
        }
        tags.sort();
        tags.dedup();
        Ok(tags)
    })
}

/// The `tags/list?...` path of the next page, from a `Link: </v2/NAME/tags/list?n=..&last=..>;
/// rel="next"` header.
fn next_page(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get_all(http::header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find(|link| link.contains("rel=\"next\"") || link.contains("rel=next"))
        .and_then(|link| {
            let url = link.split_once('<')?.1.split_once('>')?.0;
            let at = url.find("tags/list")?;
            Some(url[at..].to_string())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_page_comes_from_the_link_header() {
        let mut h = http::HeaderMap::new();
        h.insert(
            http::header::LINK,
            "</v2/app/tags/list?last=v2&n=2>; rel=\"next\""
                .parse()
                .unwrap(),
        );
        assert_eq!(next_page(&h).as_deref(), Some("tags/list?last=v2&n=2"));
        assert_eq!(next_page(&http::HeaderMap::new()), None);
    }
}

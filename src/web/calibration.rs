//! The calibration page (`/orgs/{org}/calibration`, admins only): the ladder checked against the
//! promotions the org's `CODEOWNERS` history records, as `ladder calibrate` prints it.
//!
//! Owns: the page's route and the view its template reads. Never does: compute the calibration
//! ([`crate::pipeline::views::calibration`] and the core's [`ladder_core::calibration`] do), or apply
//! a suggestion.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use chrono::Utc;

use super::pages::page;
use super::site::{Failure, Site};
use crate::pipeline::views;
use ladder_core::calibration::{Calibration, LevelCheck};
use ladder_core::visibility::Scope;

pub fn routes() -> Router<Site> {
    Router::new().route("/orgs/{org}/calibration", get(calibration))
}

/// One level as the page shows it.
struct LevelView {
    name: String,
    role: &'static str,
    promotions: usize,
    ready: usize,
    founding: usize,
    /// Metric, threshold, minimum, 25th percentile, median, suggestion.
    spreads: Vec<(&'static str, u64, u64, u64, u64, String)>,
    /// Login, repository, day, what they lacked.
    unready: Vec<(String, String, String, String)>,
    candidates: Vec<String>,
}

impl LevelView {
    fn new(level: &LevelCheck) -> LevelView {
        LevelView {
            name: level.name.clone(),
            role: level.role.as_str(),
            promotions: level.promoted.len(),
            ready: level.ready(),
            founding: level.founding(),
            spreads: level
                .spreads
                .iter()
                .map(|s| {
                    let suggested = s.suggested.map_or_else(|| "—".to_owned(), |v| v.to_string());
                    (s.metric.name(), s.threshold, s.min, s.p25, s.median, suggested)
                })
                .collect(),
            unready: level
                .promoted
                .iter()
                .filter(|c| !c.ready)
                .map(|c| {
                    let lacked: Vec<String> =
                        c.lacked().map(|(m, have, need)| format!("{} {have}/{need}", m.name())).collect();
                    let lacked = if lacked.is_empty() { "a level below it".to_owned() } else { lacked.join(", ") };
                    (c.login.clone(), c.repo.clone(), c.at.format("%Y-%m-%d").to_string(), lacked)
                })
                .collect(),
            candidates: level.candidates.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "calibration.html")]
struct CalibrationPage {
    admin: bool,
    org: String,
    levels: Vec<LevelView>,
    unresolved: Vec<String>,
    suggestion: Option<String>,
}

fn view(calibration: &Calibration) -> CalibrationPage {
    CalibrationPage {
        admin: true,
        org: calibration.org.clone(),
        levels: calibration.levels.iter().map(LevelView::new).collect(),
        unresolved: calibration.unresolved.clone(),
        suggestion: calibration.suggestion(),
    }
}

async fn calibration(
    State(site): State<Site>,
    Path(org): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    site.admin(&headers).await?;
    let org = site.org(&org).await?;
    let ladder = site.ladder(&org).await?;
    let calibration = views::calibration(&site.store, &org, &ladder, Utc::now()).await?;
    Ok(page(&view(&calibration), Scope::All))
}

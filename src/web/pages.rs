//! The pages: server-rendered HTML (askama templates in `templates/`, checked when the app compiles),
//! charts as inline SVG, no JavaScript.
//!
//! Owns: the page routes (`/`, `/orgs/{org}`, `…/people`, `…/people/{login}`, `…/repos`,
//! `…/program[/{cohort}]` for admins, `/login`, `/logout`), the views each template reads, and how a [`Failure`] reads as a page. Every chart is a
//! `<figure>` with its trend as caption, its data as a table and a link to its CSV; every number that
//! the API also gives is a `<data value>`. Admin pages are never cached.
//!
//! Never does: compute (snapshots, reports and health come from the pipeline's views) or write
//! anything but sessions.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use serde::Deserialize;

use super::admin::Verdict;
use super::site::{Failure, Site};
use crate::pipeline::views;
use crate::store::growth::{Filter, Order};
use ladder_core::chart::{Line, Shape};
use ladder_core::digest::month_name;
use ladder_core::growth::figures::{Figure, figures};
use ladder_core::growth::period::{Interval, day};
use ladder_core::growth::snapshot::Standing;
use ladder_core::ladder::{Activity, Ladder};
use ladder_core::next_steps::Step;
use ladder_core::report::Report;
use ladder_core::signal::Track;
use ladder_core::text::render::parse_reference;
use ladder_core::visibility::Scope;

pub fn routes() -> Router<Site> {
    Router::new()
        .route("/", get(home))
        .route("/orgs/{org}", get(overview))
        .route("/orgs/{org}/people", get(people))
        .route("/orgs/{org}/people/{login}", get(person))
        .route("/orgs/{org}/repos", get(repos))
        .route("/orgs/{org}/program", get(program))
        .route("/orgs/{org}/program/{cohort}", get(cohort))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
}

/// A figure as the template draws it.
pub struct FigureView {
    pub id: String,
    pub title: String,
    pub svg: String,
    pub trend: String,
    pub names: Vec<String>,
    pub rows: Vec<(String, Vec<u64>)>,
    pub csv: String,
}

impl FigureView {
    pub fn new(figure: &Figure, csv: String) -> FigureView {
        let rows = figure.rows().map(|(label, values)| (label.to_owned(), values)).collect();
        FigureView {
            id: figure.id.to_owned(),
            title: figure.title.clone(),
            svg: figure.chart().svg(),
            trend: figure.trend(),
            names: figure.lines.iter().map(|l| l.name.clone()).collect(),
            rows,
            csv,
        }
    }
}

/// How many stayed after 3, 6 and 12 months, as table cells: empty while a month has not come.
pub(super) fn retained_cells(retained: &[Option<u64>; 3]) -> Vec<String> {
    retained.iter().map(|k| k.map_or_else(String::new, |n| n.to_string())).collect()
}

/// A page's HTML; never cached when it shows what only admins may see.
pub(super) fn page(template: &impl Template, scope: Scope) -> Response {
    match template.render() {
        Ok(html) => {
            let mut response = Html(html).into_response();
            if scope == Scope::All {
                response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            }
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "a page did not render (a bug)");
            (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be rendered").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct Message {
    admin: bool,
    title: String,
    message: String,
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            Failure::NotFound(message) => (StatusCode::NOT_FOUND, "Not found", message),
            Failure::AdminOnly => {
                return Redirect::to("/login").into_response();
            }
            Failure::Refused(Verdict::Limited(wait)) => {
                let message = format!("Too many wrong admin tokens; try again in {} seconds.", wait.as_secs());
                let mut response = (StatusCode::TOO_MANY_REQUESTS, message).into_response();
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs()));
                return response;
            }
            Failure::Refused(_) => (StatusCode::UNAUTHORIZED, "Not an admin token", "The admin token is wrong.".into()),
            Failure::BadRequest(message) => (StatusCode::BAD_REQUEST, "Bad request", message),
            Failure::Store(e) => {
                tracing::error!(error = %e, "a page could not read the database");
                (StatusCode::SERVICE_UNAVAILABLE, "Unavailable", "The database does not answer; try again soon.".into())
            }
        };
        let mut response = page(&Message { admin: false, title: title.into(), message }, Scope::Public);
        *response.status_mut() = status;
        response
    }
}

#[derive(Template)]
#[template(path = "orgs.html")]
struct Orgs {
    admin: bool,
    orgs: Vec<String>,
}

/// The only org's overview, or the list of orgs.
async fn home(State(site): State<Site>, headers: HeaderMap) -> Result<Response, Failure> {
    let scope = site.viewer(&headers).await?;
    let orgs = site.store.directory().orgs().await?;
    if let [only] = orgs.as_slice() {
        return Ok(Redirect::to(&format!("/orgs/{}", only.login)).into_response());
    }
    Ok(page(&Orgs { admin: scope == Scope::All, orgs: orgs.into_iter().map(|o| o.login).collect() }, scope))
}

#[derive(Deserialize)]
pub struct IntervalQuery {
    interval: Option<String>,
}

impl IntervalQuery {
    pub fn interval(&self) -> Result<Interval, Failure> {
        interval(self.interval.as_deref())
    }
}

/// The interval `?interval=` asks for: month (when not given) or week.
pub fn interval(text: Option<&str>) -> Result<Interval, Failure> {
    match text {
        None => Ok(Interval::Month),
        Some(text) => {
            Interval::parse(text).ok_or_else(|| Failure::BadRequest(format!("interval is month or week, not {text}")))
        }
    }
}

#[derive(Template)]
#[template(path = "overview.html")]
struct Overview {
    admin: bool,
    admin_available: bool,
    org: String,
    interval: &'static str,
    headline: ladder_core::growth::snapshot::Headline,
    /// The query naming a level (`level=ID`), its name, and how many hold it now.
    levels: Vec<(String, String, u64)>,
    figures: Vec<FigureView>,
    /// Month, newcomers, and how many stayed after 3, 6 and 12 months ("" while unknown).
    cohorts: Vec<(String, u64, Vec<String>)>,
    computed_at: String,
}

async fn overview(
    State(site): State<Site>,
    Path(org): Path<String>,
    Query(query): Query<IntervalQuery>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let scope = site.viewer(&headers).await?;
    let org = site.org(&org).await?;
    let interval = query.interval()?;
    let snapshot = site.grower.current(&org, scope, Utc::now()).await?;
    let figures = figures(&snapshot, interval)
        .iter()
        .map(|f| FigureView::new(f, format!("/orgs/{}/charts/{}.csv?interval={}", org.login, f.id, interval.as_str())))
        .collect();
    let levels = snapshot
        .levels
        .iter()
        .zip(&snapshot.headline.by_level)
        .map(|((id, name), n)| {
            (url::form_urlencoded::Serializer::new(String::new()).append_pair("level", id).finish(), name.clone(), *n)
        })
        .collect();
    let cohorts = snapshot
        .cohorts
        .iter()
        .rev()
        .map(|c| {
            let kept = retained_cells(&c.retained);
            (month_name(c.period.number), c.size, kept)
        })
        .collect();
    let view = Overview {
        admin: scope == Scope::All,
        admin_available: site.admin.configured(),
        org: org.login,
        interval: interval.as_str(),
        headline: snapshot.headline.clone(),
        levels,
        figures,
        cohorts,
        computed_at: snapshot.computed_at.format("%Y-%m-%d %H:%M UTC").to_string(),
    };
    Ok(page(&view, scope))
}

/// A list of people: its order, its page, and which people (those behind one of the overview's
/// numbers: `level=ID`, `activity=active|drifting|away`, `ready=true`, `maintainers=true`).
#[derive(Deserialize)]
pub struct ListQuery {
    pub sort: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
    pub level: Option<String>,
    pub activity: Option<String>,
    pub ready: Option<bool>,
    pub maintainers: Option<bool>,
}

impl ListQuery {
    pub fn order(&self) -> Result<Order, Failure> {
        match self.sort.as_deref() {
            None | Some("login") => Ok(Order::Login),
            Some("need") => Ok(Order::Need),
            Some(other) => Err(Failure::BadRequest(format!("sort is login or need, not {other}"))),
        }
    }

    /// Which people the list holds; a level is named by its id in the ladder.
    pub fn filter(&self, ladder: &Ladder) -> Result<Filter, Failure> {
        let levels = match self.level.as_deref() {
            None => None,
            Some(id) => Some(ladder.position(id).map(|i| i + 1).ok_or_else(|| {
                let ids: Vec<&str> = ladder.levels.iter().map(|l| l.id.as_str()).collect();
                Failure::BadRequest(format!("level is one of {}, not {id}", ids.join(", ")))
            })?),
        };
        let activity = match self.activity.as_deref() {
            None => None,
            Some("active") => Some(Activity::Active),
            Some("drifting") => Some(Activity::Drifting),
            Some("away") => Some(Activity::Away),
            Some(other) => {
                return Err(Failure::BadRequest(format!("activity is active, drifting or away, not {other}")));
            }
        };
        let (ready, maintainers) = (self.ready.unwrap_or(false), self.maintainers.unwrap_or(false));
        Ok(Filter { levels, activity, ready, maintainers })
    }

    /// The query string of this list in `order`, with `per_page` if given and without its page: what
    /// pagination links keep. It starts with the sort.
    pub fn parameters(&self, order: Order, per_page: Option<u32>) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("sort", if order == Order::Need { "need" } else { "login" });
        if let Some(per_page) = per_page {
            query.append_pair("per_page", &per_page.to_string());
        }
        for (name, value) in [("level", &self.level), ("activity", &self.activity)] {
            if let Some(value) = value {
                query.append_pair(name, value);
            }
        }
        for (name, value) in [("ready", self.ready), ("maintainers", self.maintainers)] {
            if value == Some(true) {
                query.append_pair(name, "true");
            }
        }
        query.finish()
    }

    /// The page (from 1) and its length (30 unless asked, at most 100).
    pub fn window(&self) -> Result<(u32, u32), Failure> {
        let per_page = self.per_page.unwrap_or(30);
        if !(1..=100).contains(&per_page) {
            return Err(Failure::BadRequest(format!("per_page is 1 to 100, not {per_page}")));
        }
        Ok((self.page.unwrap_or(1).max(1), per_page))
    }
}

/// A person as a row of a list.
pub struct PersonRow {
    pub login: String,
    pub level: String,
    pub activity: &'static str,
    pub last: String,
    pub ready: bool,
}

impl PersonRow {
    pub fn new(standing: &Standing, ladder: &Ladder) -> PersonRow {
        let level = standing.level(ladder);
        PersonRow {
            login: standing.login.clone(),
            level: level.map_or_else(|| "none yet".to_owned(), |l| l.name.clone()),
            activity: standing.activity.as_str(),
            last: standing.last_activity.map_or_else(String::new, day),
            ready: standing.ready_for_a_role(ladder),
        }
    }
}

#[derive(Template)]
#[template(path = "people.html")]
struct People {
    admin: bool,
    org: String,
    sort: &'static str,
    /// The list's query string without its page (and its sort, in `unsorted`), HTML-escaped by askama.
    parameters: String,
    unsorted: String,
    /// Whether the list holds only the people behind one of the overview's numbers.
    filtered: bool,
    page: u32,
    pages: u32,
    total: u64,
    people: Vec<PersonRow>,
}

async fn people(
    State(site): State<Site>,
    Path(org): Path<String>,
    Query(query): Query<ListQuery>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let scope = site.viewer(&headers).await?;
    let org = site.org(&org).await?;
    let (order, (page_number, per_page)) = (query.order()?, query.window()?);
    let ladder = site.ladder(&org).await?;
    let filter = query.filter(&ladder)?;
    site.grower.ensure(&org, scope, Utc::now()).await?;
    let growth = site.store.growth();
    let (standings, total) = growth.standings(org.id, scope, (order, filter), (page_number, per_page)).await?;
    let parameters = query.parameters(order, query.per_page);
    let view = People {
        admin: scope == Scope::All,
        org: org.login,
        sort: if order == Order::Need { "need" } else { "login" },
        unsorted: parameters.split_once('&').map_or_else(String::new, |(_, rest)| format!("&{rest}")),
        parameters,
        filtered: filter != Filter::default(),
        page: page_number,
        pages: (total.div_ceil(u64::from(per_page)).max(1)) as u32,
        total,
        people: standings.iter().map(|s| PersonRow::new(s, &ladder)).collect(),
    };
    Ok(page(&view, scope))
}

/// A requirement's progress as the person page shows it.
struct ProgressView {
    metric: String,
    have: u64,
    need: u64,
    met: bool,
    evidence: Vec<(String, Option<String>)>,
}

/// Evidence as the pages show it, with its address on GitHub when it is a reference
/// (`owner/name#number`, or `owner/name`); other evidence (a month, a login) is only text.
pub fn evidence_link(evidence: &str) -> (String, Option<String>) {
    let url = parse_reference(evidence).map(|(repo, number)| match number {
        Some(n) => format!("https://github.com/{repo}/issues/{n}"),
        None => format!("https://github.com/{repo}"),
    });
    (evidence.to_owned(), url)
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    admin: bool,
    org: String,
    login: String,
    level: String,
    role: String,
    activity: &'static str,
    last_activity: Option<String>,
    total: u64,
    next: Option<String>,
    progress: Vec<ProgressView>,
    steps: Vec<StepView>,
    figure: FigureView,
    signals: Vec<(&'static str, u64)>,
    evidence: Vec<(String, Vec<(String, Option<String>)>)>,
}

/// One requirement's next steps as the person page shows them.
struct StepView {
    metric: &'static str,
    have: u64,
    need: u64,
    found: usize,
    /// The count in words ("more than 100" past the cap).
    count: String,
    what: &'static str,
    /// Reference, link and title.
    items: Vec<(String, String, String)>,
    /// Repository and link.
    guides: Vec<(String, String)>,
}

impl StepView {
    fn new(step: &Step) -> StepView {
        StepView {
            metric: step.metric.name(),
            have: step.have,
            need: step.need,
            found: step.found,
            count: ladder_core::next_steps::count_text(step.found),
            what: step.serves.what(),
            items: step.items.iter().map(|i| (i.reference(), i.url(), i.title.clone())).collect(),
            guides: step.guides.iter().map(|g| (g.repo.clone(), g.url.clone())).collect(),
        }
    }
}

/// A person's activity per track and month, as a figure.
pub fn activity_figure(standing: Option<&Standing>) -> Figure {
    let months = standing.map(|s| s.months.as_slice()).unwrap_or_default();
    let lines = Track::ALL
        .iter()
        .enumerate()
        .map(|(i, t)| Line { name: t.as_str().to_owned(), values: months.iter().map(|(_, v)| v[i]).collect() })
        .collect();
    Figure {
        id: "activity",
        title: "Credited signals by track, in each month with any".into(),
        unit: "signals",
        shape: Shape::StackedBars,
        labels: months.iter().map(|(m, _)| month_name(*m)).collect(),
        lines,
    }
}

async fn person(
    State(site): State<Site>,
    Path((org, login)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let scope = site.viewer(&headers).await?;
    let org = site.org(&org).await?;
    let person = site.person(&org, &login, scope).await?;
    let ladder = site.ladder(&org).await?;
    let standing = site.standing(&org, &person, scope).await?;
    let mut report = views::report(&site.store, &org, &ladder, person, scope, Utc::now()).await?;
    views::suggest(&site.store, &ladder, &mut report, scope, Utc::now()).await?;
    let figure = FigureView::new(
        &activity_figure(standing.as_ref()),
        format!("/orgs/{}/people/{}/activity.csv", org.login, report.person.login),
    );
    Ok(page(&person_view(&report, figure, scope), scope))
}

fn person_view(report: &Report, figure: FigureView, scope: Scope) -> PersonPage {
    let r = &report.readiness;
    let (next, progress) = match &r.next {
        Some((id, progress)) => (
            Some(report.level_name(id)),
            progress
                .iter()
                .map(|p| ProgressView {
                    metric: p.metric.name().to_owned(),
                    have: p.have,
                    need: p.need,
                    met: p.met(),
                    evidence: p.evidence.iter().map(|e| evidence_link(e)).collect(),
                })
                .collect(),
        ),
        None => (None, Vec::new()),
    };
    let evidence = r
        .metrics
        .iter()
        .filter(|(_, m)| !m.evidence.is_empty())
        .map(|(metric, m)| (metric.name().to_owned(), m.evidence.iter().map(|e| evidence_link(e)).collect()))
        .collect();
    PersonPage {
        admin: scope == Scope::All,
        org: report.org.login.clone(),
        login: report.person.login.clone(),
        level: r.level.as_deref().map_or_else(|| "none yet".to_owned(), |id| report.level_name(id)),
        role: report.role().map_or("none", |role| role.as_str()).to_owned(),
        activity: r.activity.as_str(),
        last_activity: r.last_activity.map(day),
        total: report.tally.total(),
        next,
        progress,
        steps: report.next_steps.iter().map(StepView::new).collect(),
        figure,
        signals: report.tally.by_kind.iter().map(|(k, n)| (k.as_str(), *n)).collect(),
        evidence,
    }
}

/// A repository as the repos page shows it.
struct RepoRow {
    name: String,
    at_risk: bool,
    maintainers: String,
    active: String,
    contributions: u64,
    absence_factor: u64,
    candidates: Vec<(String, u8)>,
}

#[derive(Template)]
#[template(path = "repos.html")]
struct Repos {
    admin: bool,
    org: String,
    repos: Vec<RepoRow>,
}

async fn repos(State(site): State<Site>, Path(org): Path<String>, headers: HeaderMap) -> Result<Response, Failure> {
    let scope = site.viewer(&headers).await?;
    let org = site.org(&org).await?;
    let snapshot = site.grower.current(&org, scope, Utc::now()).await?;
    let mut repos: Vec<RepoRow> = snapshot
        .repos
        .iter()
        .map(|r| RepoRow {
            name: r.repo.clone(),
            at_risk: r.at_risk(),
            maintainers: if r.maintainers.is_empty() { "none known".into() } else { r.maintainers.join(", ") },
            active: r.active_maintainers.join(", "),
            contributions: r.contributions,
            absence_factor: r.absence_factor,
            candidates: r.candidates.iter().map(|c| (c.login.clone(), c.readiness)).collect(),
        })
        .collect();
    repos.sort_by(|a, b| b.at_risk.cmp(&a.at_risk).then_with(|| a.name.cmp(&b.name)));
    Ok(page(&Repos { admin: scope == Scope::All, org: org.login, repos }, scope))
}

/// A mentee as the program page shows them.
struct MenteeRow {
    login: String,
    mentor: String,
    cohort: String,
    level: String,
    progress: u8,
    last: String,
    activity: &'static str,
    at_risk: bool,
    responsiveness: String,
}

/// How quickly a mentor reviews, in words.
pub fn responsiveness_text(r: Option<&ladder_core::program::Responsiveness>) -> String {
    match r {
        None => "no mentor".into(),
        Some(r) if r.prs == 0 => "no pull request yet".into(),
        Some(r) => {
            let median = r.median.map_or_else(String::new, |m| {
                let hours = m.num_hours();
                if hours < 48 {
                    format!(", first review after {hours} h (median)")
                } else {
                    format!(", first review after {} days (median)", hours / 24)
                }
            });
            format!("{} of {} pull requests reviewed{median}", r.reviewed, r.prs)
        }
    }
}

#[derive(Template)]
#[template(path = "program.html")]
struct Program {
    admin: bool,
    org: String,
    cohort: Option<String>,
    target: String,
    quiet_days: i64,
    /// Name, start, midterm, final, end.
    cohorts: Vec<(String, String, String, String, String)>,
    mentees: Vec<MenteeRow>,
    /// Cohort, mentees, active 3, 6, 12 months after ("" while unknown), maintainers, mentors.
    outcomes: Vec<(String, u64, Vec<String>, u64, u64)>,
}

async fn program(State(site): State<Site>, Path(org): Path<String>, headers: HeaderMap) -> Result<Response, Failure> {
    program_page(site, org, None, headers).await
}

async fn cohort(
    State(site): State<Site>,
    Path((org, cohort)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    program_page(site, org, Some(cohort), headers).await
}

async fn program_page(
    site: Site,
    org: String,
    cohort: Option<String>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    site.admin(&headers).await?;
    let org = site.org(&org).await?;
    let ladder = site.ladder(&org).await?;
    let view = site.program(&org, &ladder, cohort.as_deref()).await?;
    let page_view = Program {
        admin: true,
        org: org.login,
        cohort,
        target: view.target.unwrap_or_else(|| "the top of the ladder".into()),
        quiet_days: ladder_core::program::QUIET_DAYS,
        cohorts: ladder
            .program
            .cohorts
            .iter()
            .map(|c| {
                (
                    c.name.clone(),
                    c.start.to_string(),
                    c.midterm.to_string(),
                    c.final_evaluation.to_string(),
                    c.end.to_string(),
                )
            })
            .collect(),
        mentees: view
            .mentees
            .iter()
            .map(|m| MenteeRow {
                login: m.login.clone(),
                mentor: m.mentor.clone().unwrap_or_default(),
                cohort: m.cohort.clone().unwrap_or_default(),
                level: m.level.clone().unwrap_or_else(|| "none yet".into()),
                progress: m.progress,
                last: m.last_activity.map_or_else(|| "never".into(), day),
                activity: m.activity.as_str(),
                at_risk: m.at_risk,
                responsiveness: responsiveness_text(m.responsiveness.as_ref()),
            })
            .collect(),
        outcomes: view
            .outcomes
            .iter()
            .map(|o| {
                let kept = retained_cells(&o.retained);
                (o.cohort.clone(), o.mentees, kept, o.maintainers, o.mentors)
            })
            .collect(),
    };
    Ok(page(&page_view, Scope::All))
}

#[derive(Template)]
#[template(path = "login.html")]
struct Login {
    admin: bool,
    configured: bool,
    next: String,
    message: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Where to go after logging in: a path on this site, never elsewhere.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                // Browsers drop tabs and newlines from URLs: `/\t/evil.example` would be `//evil.example`.
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

async fn login_form(State(site): State<Site>, Query(query): Query<NextQuery>) -> Response {
    let view = Login {
        admin: false,
        configured: site.admin.configured(),
        next: safe_next(query.next.as_deref()),
        message: None,
    };
    page(&view, Scope::All)
}

#[derive(Deserialize)]
pub struct LoginForm {
    token: String,
    next: Option<String>,
}

async fn login(State(site): State<Site>, Form(form): Form<LoginForm>) -> Result<Response, Failure> {
    let next = safe_next(form.next.as_deref());
    match site.admin.check(&form.token) {
        Verdict::Admin => {
            let cookie = site.admin.start_session().await?;
            let mut response = Redirect::to(&next).into_response();
            let cookie = HeaderValue::from_str(&cookie).map_err(|e| Failure::BadRequest(e.to_string()))?;
            response.headers_mut().insert(header::SET_COOKIE, cookie);
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(response)
        }
        Verdict::Wrong => {
            let view = Login {
                admin: false,
                configured: site.admin.configured(),
                next,
                message: Some("That is not the admin token.".into()),
            };
            let mut response = page(&view, Scope::All);
            *response.status_mut() = StatusCode::UNAUTHORIZED;
            Ok(response)
        }
        limited @ Verdict::Limited(_) => Err(Failure::Refused(limited)),
    }
}

async fn logout(State(site): State<Site>, headers: HeaderMap) -> Result<Response, Failure> {
    let cookie = site.admin.end_session(&headers).await?;
    let mut response = Redirect::to("/").into_response();
    let cookie = HeaderValue::from_str(&cookie).map_err(|e| Failure::BadRequest(e.to_string()))?;
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logging_in_only_ever_leads_back_to_this_site() {
        let cases = [
            (Some("/orgs/acme"), "/orgs/acme"),
            (Some("//evil.example/x"), "/"),
            (Some("https://evil.example"), "/"),
            (Some("/\\evil.example"), "/"),
            (Some("/\t/evil.example"), "/"),
            (Some("/\n/evil.example"), "/"),
            (None, "/"),
        ];
        for (next, want) in cases {
            assert_eq!(safe_next(next), want, "{next:?}");
        }
        assert_eq!(
            evidence_link("asyncapi/cli#12"),
            ("asyncapi/cli#12".to_owned(), Some("https://github.com/asyncapi/cli/issues/12".to_owned()))
        );
        assert_eq!(evidence_link("asyncapi/cli").1.as_deref(), Some("https://github.com/asyncapi/cli"));
        assert_eq!(evidence_link("since 2025-01-01").1, None);
    }
}

//! A large org's history put straight into the database, for the benchmarks: signals from many people
//! (a few very active, most occasional, activity falling off like 1 / rank) over the last thousand
//! days, in 48 repositories; the store digests them when it next opens, as after an upgrade.

use super::{Engine, TestDb};

const KINDS: [&str; 8] = [
    "pr_opened",
    "pr_merged",
    "review_approved",
    "review_commented",
    "issue_comment",
    "triage_labeled",
    "issue_opened",
    "review_comment",
];

/// Person `i`'s share of activity falls off like 1 / (i + 1): a few people do most of the work.
pub fn people_weights(people: usize) -> Vec<f64> {
    let raw: Vec<f64> = (0..people).map(|i| 1.0 / (i as f64 + 1.0)).collect();
    let total: f64 = raw.iter().sum();
    raw.into_iter().map(|w| w / total).collect()
}

pub async fn fill(db: &TestDb, engine: Engine, signals: usize, people: usize) {
    let pool = db.pool().await;
    let weights = people_weights(people);
    let now = chrono::Utc::now().timestamp_millis();
    let columns = 16;
    let rows_per_statement = 1000;
    let mut tx = pool.begin().await.unwrap();
    let mut n = 0usize;
    let mut person = 0usize;
    let mut quota = 0.0f64;
    while n < signals {
        let count = rows_per_statement.min(signals - n);
        let values: Vec<String> = (0..count)
            .map(|r| {
                let p: Vec<String> = (1..=columns)
                    .map(|c| match engine {
                        Engine::Sqlite => "?".to_owned(),
                        Engine::Postgres => format!("${}", r * columns + c),
                    })
                    .collect();
                format!("({})", p.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO signals (kind, identity, org_id, org_login, repo_id, repo_name, repo_private, subject_number, \
             subject_is_pr, subject_author_id, subject_author_login, actor_id, actor_login, occurred_at, data, recorded_at) \
             VALUES {}",
            values.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for _ in 0..count {
            // Hand out signals to people by weight, heaviest first.
            while quota <= 0.0 && person < people {
                quota += weights[person] * signals as f64;
                person += 1;
            }
            quota -= 1.0;
            let actor = person.max(1) as i64;
            let repo = (n % 48) as i64;
            let number = (n / 7) as i64;
            query = query
                .bind(KINDS[n % KINDS.len()])
                .bind(format!("bench-{n}"))
                .bind(900i64)
                .bind("asyncapi")
                .bind(repo)
                .bind(format!("asyncapi/repo-{repo}"))
                .bind(0i64)
                .bind(number)
                .bind(1i64)
                .bind(1_000_000 + (n % 977) as i64)
                .bind("someone")
                .bind(actor)
                .bind(format!("person-{actor}"))
                .bind(now - (n as i64 % 1000) * 86_400_000)
                .bind(r#"{"additions":40,"deletions":2,"title":"feat: x","head":"feature"}"#)
                .bind(now);
            n += 1;
        }
        query.execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    let people_sql = "INSERT INTO people (id, login, account_type, seen_at) SELECT actor_id, MIN(actor_login), 'User', 0 FROM signals GROUP BY actor_id";
    sqlx::query(people_sql).execute(&pool).await.unwrap();
    sqlx::query("INSERT INTO orgs (id, login, seen_at) VALUES (900, 'asyncapi', 0)").execute(&pool).await.unwrap();
    // Signals went in behind the store's back: have it digest them, as after an upgrade.
    sqlx::query("INSERT INTO store_tasks (name) VALUES ('rebuild_digests')").execute(&pool).await.unwrap();
    if engine == Engine::Postgres {
        sqlx::query("ANALYZE").execute(&pool).await.unwrap();
    }
    pool.close().await;
}

/// `items` open issues and pull requests across the same 48 repositories (the last one private) and
/// one the org no longer has, as
/// webhooks and backfill leave them, in every shape suggestions tell apart: a third pull requests
/// (every eleventh of those a draft), labels (`good first issue`, `bug`, `Help-Wanted`) or none,
/// assignees, reviewers and commenters, first-time contributors, GitHub's and the org's bots as
/// authors, opened from today to 20 days ago; written by the first 500 people.
pub async fn fill_open_work(db: &TestDb, items: usize) {
    let pool = db.pool().await;
    let now = chrono::Utc::now().timestamp_millis();
    let mut tx = pool.begin().await.unwrap();
    // The org's repositories as webhooks record them; the last one private, one more removed from it.
    for repo in 0..49i64 {
        sqlx::query(
            "INSERT INTO repositories (id, org_id, full_name, private, removed, updated_at) VALUES ($1, 900, $2, $3, $4, 0)",
        )
        .bind(repo)
        .bind(format!("asyncapi/repo-{repo}"))
        .bind(i64::from(repo == 47))
        .bind(i64::from(repo == 48))
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    for i in 0..items {
        let (repo, number) = ((i % 49) as i64, 100_000 + i as i64);
        let is_pr = i % 3 == 0;
        let (author, login, kind) = match i {
            i if i % 13 == 0 => (9_000, "helper[bot]".to_owned(), "Bot"),
            i if i % 17 == 0 => (9_001, "asyncapi-bot".to_owned(), "User"),
            i => (2 + (i % 500) as i64, format!("person-{}", 2 + i % 500), "User"),
        };
        let association = if i % 6 == 0 { "FIRST_TIME_CONTRIBUTOR" } else { "CONTRIBUTOR" };
        sqlx::query(
            "INSERT INTO open_items (repo_id, number, repo_name, repo_private, is_pr, title, draft, author_id, \
                author_login, author_type, author_association, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(repo)
        .bind(number)
        .bind(format!("asyncapi/repo-{repo}"))
        .bind(i64::from(repo == 47))
        .bind(i64::from(is_pr))
        .bind(format!("open item {i}"))
        .bind(i64::from(is_pr && i % 11 == 0))
        .bind(author)
        .bind(login)
        .bind(kind)
        .bind(association)
        .bind(now - (i as i64 % 20) * 86_400_000)
        .bind(now - (i as i64 % 30) * 3_600_000)
        .execute(&mut *tx)
        .await
        .unwrap();
        let labels = [(i % 5 == 0, "good first issue"), (i % 7 == 0, "bug"), (i % 10 == 3, "Help-Wanted")];
        for (_, name) in labels.iter().filter(|(on, _)| *on) {
            sqlx::query("INSERT INTO open_item_labels (repo_id, number, label_id, name) VALUES ($1, $2, NULL, $3)")
                .bind(repo)
                .bind(number)
                .bind(*name)
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        let people = [
            (i % 4 == 0, "assignee", 700 + (i % 50) as i64, None),
            (is_pr && i % 9 == 0, "reviewer", 800, Some(now)),
            (i % 8 == 0, "commenter", 801, Some(now - 3_600_000)),
            (i % 19 == 0, "requested", 802, None),
        ];
        for (_, role, who, at) in people.iter().filter(|(on, ..)| *on) {
            sqlx::query(
                "INSERT INTO open_item_people (repo_id, number, role, person_id, login, person_type, first_at) \
                 VALUES ($1, $2, $3, $4, $5, 'User', $6)",
            )
            .bind(repo)
            .bind(number)
            .bind(*role)
            .bind(*who)
            .bind(format!("person-{who}"))
            .bind(*at)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
    }
    tx.commit().await.unwrap();
    pool.close().await;
}

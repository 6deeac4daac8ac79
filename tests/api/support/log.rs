//! The session log: who sees which sessions, filters, and a timeline in
//! plain sentences with the changes standing out.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_see_every_session_and_agents_only_their_own() {
    let app = demo().await;
    let priya = priya_as_jane(&app, "edit").await;
    let eu = acme_workspace(&app, "EU").await;
    let form = [
        ("workspace_id", eu.as_str()),
        ("rate", "10"),
        ("region", "EU"),
    ];
    assert_eq!(
        app.call(&priya, "update_tax_rule", &form).await.status(),
        200
    );
    assert_eq!(
        app.call(&priya, "end_support_session", &[]).await.status(),
        200
    );
    let sarah = sarah_in_session(&app).await;
    assert_eq!(
        app.call(&sarah, "end_support_session", &[]).await.status(),
        200
    );

    let list = |client: &reqwest::Client, form: Vec<(&'static str, &'static str)>| {
        let (app, client) = (&app, client.clone());
        async move {
            let res = app.call(&client, "session_log", &form).await;
            assert_eq!(res.status(), 200);
            res.json::<serde_json::Value>().await.unwrap()
        }
    };
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    let all = list(&maya, vec![]).await;
    assert_eq!(all["all"], true);
    assert_eq!(all["rows"].as_array().unwrap().len(), 2);
    let own = list(&sarah, vec![]).await;
    assert_eq!(own["all"], false);
    assert_eq!(own["rows"].as_array().unwrap().len(), 1);
    assert_eq!(own["rows"][0]["staff_name"], "Sarah Lee");

    // Filters, typed text taken literally.
    let changed = list(&maya, vec![("changes", "true")]).await;
    assert_eq!(changed["rows"].as_array().unwrap().len(), 1);
    assert_eq!(changed["rows"][0]["staff_name"], "Priya Nair");
    assert_eq!(changed["rows"][0]["changes"], 1);
    let by_agent = list(&maya, vec![("agent", "sarah")]).await;
    assert_eq!(by_agent["rows"].as_array().unwrap().len(), 1);
    for literal in ["%", "_", "%' or 1=1 --"] {
        let nothing = list(&maya, vec![("agent", literal)]).await;
        assert_eq!(
            nothing["rows"].as_array().unwrap().len(),
            0,
            "{literal} is matched literally"
        );
    }
    let res = app
        .call(&maya, "session_log", &[("before", "yesterday")])
        .await;
    assert_eq!(res.status(), 400);

    // Sarah cannot read Priya's timeline; an admin reads none.
    let priyas = all["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["staff_name"] == "Priya Nair")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        app.call(&sarah, "session_timeline", &[("id", &priyas)])
            .await
            .status(),
        404
    );
    let alex = staff(&app, "alex.rivera@chaperone.test").await;
    assert_eq!(app.call(&alex, "session_log", &[]).await.status(), 403);
    assert_eq!(
        app.call(
            &maya,
            "session_timeline",
            &[("id", &uuid::Uuid::new_v4().to_string())]
        )
        .await
        .status(),
        404
    );

    // The timeline: lifecycle, views, and the change standing out.
    let story: serde_json::Value = app
        .call(&maya, "session_timeline", &[("id", &priyas)])
        .await
        .json()
        .await
        .unwrap();
    let events = story["events"].as_array().unwrap();
    let change = events
        .iter()
        .find(|e| e["tone"] == "change")
        .expect("a change");
    assert!(
        change["sentence"]
            .as_str()
            .unwrap()
            .contains("changed Tax rate from 20% to 10%"),
        "{change}"
    );
    assert!(events.iter().any(|e| e["tone"] == "lifecycle"
        && e["sentence"]
            .as_str()
            .unwrap()
            .contains("entered Acme Co as Jane Doe")));
    assert!(events.iter().any(|e| e["tone"] == "lifecycle"
        && e["sentence"]
            .as_str()
            .unwrap()
            .contains("ended by the agent")));
    assert!(
        story["summary"]
            .as_str()
            .unwrap()
            .contains("1 change, 0 blocked"),
        "{}",
        story["summary"]
    );
}

/// Anyone signed in can cause refusals, and each is kept. One person's
/// flood keeps its full count but lists only its latest attempts, and
/// pushes nobody else out of the report.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_refusals_by_one_person_hides_nobody_elses() {
    let app = demo().await;
    let sarah = sarah_in_session(&app).await;
    let form = [("setting", "weekly_digest"), ("enabled", "true")];
    assert_eq!(
        app.call(&sarah, "set_notification", &form).await.status(),
        403
    );
    sqlx::query(
        "insert into chaperone.events (occurred_at, kind, actor_kind, actor_id, actor_name, account_id, summary, detail)
         select $1, 'access.wrong_door', 'customer', u.id, u.name, u.account_id,
                u.name || ' tried to open the console', '{\"path\": \"/console\", \"door\": \"console\"}'
         from product.users u, generate_series(1, 6000) where u.email = 'tom@acme.test'",
    )
    .bind(chaperone::clock::Clock::now(&app.clock))
    .execute(&app.pool)
    .await
    .unwrap();
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    let report: serde_json::Value = app
        .call(&maya, "denied_attempts", &[])
        .await
        .json()
        .await
        .unwrap();
    let groups = report["groups"].as_array().unwrap();
    let tom = groups
        .iter()
        .find(|g| g["who"] == "Tom Becker")
        .expect("Tom's group");
    assert_eq!(tom["count"], 6000);
    assert_eq!(
        tom["attempts"].as_array().unwrap().len() as i64,
        chaperone::session_log::DENIED_LISTED_PER_PERSON
    );
    assert!(
        groups
            .iter()
            .any(|g| g["who"] == "Sarah Lee" && g["count"] == 1),
        "{report}"
    );
    let page = app.page(&maya, "/console/denied").await;
    assert!(page.contains("The latest 50 are listed."), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn denied_attempts_are_grouped_by_person_and_repeats_stand_out() {
    let app = demo().await;
    // Sarah: a request the policy refuses, and a blocked change in a session.
    let sarah = staff(&app, "sarah.lee@chaperone.test").await;
    let res = request(&app, &sarah, "Umbrella", "ada@umbrella.test", "read_only").await;
    assert_eq!(res.status(), 200);
    let sarah = sarah_in_session(&app).await;
    let form = [("setting", "weekly_digest"), ("enabled", "true")];
    assert_eq!(
        app.call(&sarah, "set_notification", &form).await.status(),
        403
    );
    // Three wrong passwords for somebody's email.
    for _ in 0..3 {
        let res = app
            .staff_sign_in(&new_client(), "james.ortiz@chaperone.test", "guess")
            .await;
        assert_eq!(res.status(), 401);
    }
    // A customer at the console's door.
    let tom = new_client();
    app.customer_sign_in(&tom, "tom@acme.test", DEMO_PASSWORD)
        .await;
    assert_eq!(
        tom.get(app.url("/console")).send().await.unwrap().status(),
        403
    );

    let maya = staff(&app, "maya.chen@chaperone.test").await;
    let report: serde_json::Value = app
        .call(&maya, "denied_attempts", &[])
        .await
        .json()
        .await
        .unwrap();
    let group = |who: &str| {
        report["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["who"] == who)
            .cloned()
            .unwrap_or_else(|| panic!("{who} in {report}"))
    };
    assert_eq!(group("Sarah Lee")["count"], 2);
    assert_eq!(group("Tom Becker")["count"], 1);
    let strangers = group("Someone not signed in");
    assert_eq!(strangers["count"], 3);
    assert_eq!(strangers["repeated"], true);
    assert_eq!(
        report["groups"][0]["who"], "Someone not signed in",
        "most attempts first"
    );

    // Sarah sees her own only; admins none; periods are checked.
    let own: serde_json::Value = app
        .call(&sarah, "denied_attempts", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["groups"].as_array().unwrap().len(), 1);
    assert_eq!(own["groups"][0]["who"], "Sarah Lee");
    let alex = staff(&app, "alex.rivera@chaperone.test").await;
    assert_eq!(app.call(&alex, "denied_attempts", &[]).await.status(), 403);
    // A denied request is the requester's attempt, not the manager's.
    let priya = staff(&app, "priya.nair@chaperone.test").await;
    let id: String = request(&app, &priya, "Acme Co", "jane@acme.test", "read_only")
        .await
        .json()
        .await
        .unwrap();
    let form = [
        ("id", id.as_str()),
        ("approve", "false"),
        ("note", "Not without the owner's consent"),
    ];
    assert_eq!(app.call(&maya, "decide_request", &form).await.status(), 200);
    let report: serde_json::Value = app
        .call(&maya, "denied_attempts", &[])
        .await
        .json()
        .await
        .unwrap();
    let groups = report["groups"].as_array().unwrap();
    assert!(
        groups
            .iter()
            .any(|g| g["who"] == "Priya Nair" && g["count"] == 1),
        "{report}"
    );
    assert!(!groups.iter().any(|g| g["who"] == "Maya Chen"), "{report}");
    let own: serde_json::Value = app
        .call(&priya, "denied_attempts", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["groups"][0]["who"], "Priya Nair");

    for form in [
        vec![("from", "2026-11-20"), ("to", "2026-11-10")],
        vec![("from", "yesterday")],
        vec![("from", "2026-01-01"), ("to", "2026-11-24")],
    ] {
        let res = app.call(&maya, "denied_attempts", &form).await;
        assert_eq!(res.status(), 400, "{form:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auditors_export_the_log_masked_complete_and_on_the_record() {
    let app = demo().await;
    let priya = priya_as_jane(&app, "edit").await;
    let eu = acme_workspace(&app, "EU").await;
    let form = [
        ("workspace_id", eu.as_str()),
        ("rate", "10"),
        ("region", "EU"),
    ];
    assert_eq!(
        app.call(&priya, "update_tax_rule", &form).await.status(),
        200
    );
    let session = live_session(&app, "priya.nair@chaperone.test").await;
    assert_eq!(
        app.call(&priya, "end_support_session", &[]).await.status(),
        200
    );

    let omar = staff(&app, "omar.haddad@chaperone.test").await;
    let export = |path: &'static str, form: Vec<(&'static str, String)>| {
        let (app, omar) = (&app, omar.clone());
        async move {
            omar.post(app.url(path))
                .header("Origin", &app.base)
                .form(&form)
                .send()
                .await
                .unwrap()
        }
    };
    let period = vec![
        ("from", "2026-11-24".to_string()),
        ("to", "2026-11-24".to_string()),
    ];
    let in_period = count(
        &app,
        "select count(*) from chaperone.events where occurred_at >= '2026-11-24' and occurred_at < '2026-11-25'",
    )
    .await;
    let res = export("/console/export/events.jsonl", period.clone()).await;
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();
    let lines: Vec<serde_json::Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Everything in the period, and the export's own event (written first).
    assert_eq!(lines.len() as i64, in_period + 1);
    assert!(lines
        .iter()
        .any(|l| l["kind"] == "product.tax_rule_changed"));
    assert!(lines.iter().any(|l| l["kind"] == "audit.exported"));
    let national_id: String =
        sqlx::query_scalar("select national_id from product.users where email = 'jane@acme.test'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(!body.contains(&national_id), "masked as in the viewer");

    let res = export(
        "/console/export/events.csv",
        vec![("session", session.clone())],
    )
    .await;
    assert_eq!(res.status(), 200);
    let csv = res.text().await.unwrap();
    // The same names as the JSON Lines fields.
    assert!(csv.starts_with("\"id\",\"occurred_at\",\"kind\",\"actor_kind\",\"actor_name\""));
    assert!(csv.contains("tax_rule_changed"));
    // The whole story, as the timeline tells it: the request that opened
    // the session and the manager's approval too, and nothing else.
    let request: String = sqlx::query_scalar(
        "select request_id::text from chaperone.support_sessions where id = $1::uuid",
    )
    .bind(&session)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(csv.contains("support.requested"), "{csv}");
    assert!(csv.contains("support.request_approved"), "{csv}");
    assert!(
        csv.lines()
            .skip(1)
            .all(|l| l.contains(&session) || l.contains(&request)),
        "only that session's events"
    );
    let story: serde_json::Value = app
        .call(&omar, "session_timeline", &[("id", session.as_str())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        story["events"].as_array().unwrap().len(),
        csv.lines().count() - 1,
        "the export holds what the timeline shows"
    );

    // Bad input and the wrong people.
    for form in [
        vec![
            ("from", "2026-11-24".to_string()),
            ("to", "2026-11-01".to_string()),
        ],
        vec![
            ("from", "2026-01-01".to_string()),
            ("to", "2026-11-24".to_string()),
        ],
        vec![
            ("from", "last week".to_string()),
            ("to", "2026-11-24".to_string()),
        ],
        vec![],
    ] {
        assert_eq!(
            export("/console/export/events.jsonl", form).await.status(),
            400
        );
    }
    let sarah = staff(&app, "sarah.lee@chaperone.test").await;
    let res = sarah
        .post(app.url("/console/export/events.jsonl"))
        .header("Origin", &app.base)
        .form(&period)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = omar
        .get(app.url("/console/export/events.jsonl"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "a link cannot export");
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.events where kind = 'audit.exported'"
        )
        .await,
        2,
        "each export is an event; refused ones export nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn times_read_in_the_readers_own_time_zone() {
    let app = demo().await;
    let sarah = sarah_in_session(&app).await;
    assert_eq!(
        app.call(&sarah, "end_support_session", &[]).await.status(),
        200
    );
    sqlx::query("update chaperone.staff set time_zone = 'Europe/Berlin' where email = 'maya.chen@chaperone.test'")
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query("update chaperone.staff set time_zone = 'America/New_York' where email = 'omar.haddad@chaperone.test'")
        .execute(&app.pool)
        .await
        .unwrap();
    // The test clock reads 24 Nov 2026 09:00 UTC.
    // The sentences too are rendered for each reader, not as written.
    for (email, expected, ended) in [
        (
            "maya.chen@chaperone.test",
            "24 Nov 2026 10:00 CET",
            "at 10:00 CET",
        ),
        (
            "omar.haddad@chaperone.test",
            "24 Nov 2026 04:00 EST",
            "at 04:00 EST",
        ),
        (
            "sarah.lee@chaperone.test",
            "24 Nov 2026 09:00 UTC",
            "at 09:00 UTC",
        ),
    ] {
        let reader = staff(&app, email).await;
        let page: serde_json::Value = app
            .call(&reader, "session_log", &[])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(page["rows"][0]["started"], expected, "{email}");
        let id = page["rows"][0]["id"].as_str().unwrap().to_string();
        let story: serde_json::Value = app
            .call(&reader, "session_timeline", &[("id", &id)])
            .await
            .json()
            .await
            .unwrap();
        let end = story["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| {
                e["sentence"]
                    .as_str()
                    .unwrap()
                    .contains("ended by the agent")
            })
            .expect("the end of the session");
        assert!(
            end["sentence"].as_str().unwrap().contains(ended),
            "{email}: {end}"
        );
    }
}

/// Every event the flows write renders from its own facts: no sentence
/// reads "unknown" because a call site forgot a fact its renderer needs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_written_event_has_the_facts_its_sentence_needs() {
    let app = demo().await;
    let priya = priya_as_jane(&app, "edit").await;
    let eu = acme_workspace(&app, "EU").await;
    let form = [
        ("workspace_id", eu.as_str()),
        ("rate", "10"),
        ("region", "EU"),
    ];
    assert_eq!(
        app.call(&priya, "update_tax_rule", &form).await.status(),
        200
    );
    let form = [("setting", "weekly_digest"), ("enabled", "true")];
    app.call(&priya, "set_notification", &form).await;
    app.post(&priya, "/app/export/invoices.csv").await;
    assert_eq!(
        app.call(&priya, "end_support_session", &[]).await.status(),
        200
    );
    let sarah = sarah_in_session(&app).await;
    app.call(&sarah, "set_notification", &form).await;
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    let live: String = sqlx::query_scalar(
        "select id::text from chaperone.support_sessions where ended_at is null",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let res = app
        .call(
            &maya,
            "revoke_support_session",
            &[("session_id", live.as_str()), ("note", "Ticket closed")],
        )
        .await;
    assert_eq!(res.status(), 200);
    app.staff_sign_in(&new_client(), "james.ortiz@chaperone.test", "guess")
        .await;

    let log: Vec<(String, String)> =
        sqlx::query_as("select kind, summary from chaperone.events order by id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert!(log.len() > 10, "the flows wrote events: {log:?}");
    let kinds: std::collections::HashSet<&str> = log.iter().map(|(k, _)| k.as_str()).collect();
    for kind in [
        "support.session_revoked",
        "support.session_ended",
        "product.tax_rule_changed",
        "auth.sign_in_failed",
    ] {
        assert!(kinds.contains(kind), "{kind} was written: {kinds:?}");
    }
    let vague: Vec<_> = log.iter().filter(|(_, s)| s.contains("unknown")).collect();
    assert!(vague.is_empty(), "sentences missing facts: {vague:?}");
}

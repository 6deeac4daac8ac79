//! Managers: the approval queue and reviews of finished sessions.

use super::*;

async fn queue(app: &TestApp, client: &reqwest::Client) -> serde_json::Value {
    let res = app.call(client, "approval_queue", &[]).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_lists_what_waits_and_only_managers_see_it() {
    let app = demo().await;
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    assert_eq!(queue(&app, &maya).await, serde_json::json!([]));

    let priya = staff(&app, "priya.nair@chaperone.test").await;
    let res = request(&app, &priya, "Globex", "hank@globex.test", "edit").await;
    let id: String = res.json().await.unwrap();
    let waiting = queue(&app, &maya).await;
    let items = waiting.as_array().unwrap();
    assert_eq!(items.len(), 1);
    let item = &items[0];
    assert_eq!(item["id"], id);
    assert_eq!(item["staff_name"], "Priya Nair");
    assert_eq!(item["account_name"], "Globex");
    assert_eq!(item["view_as"], "Hank Scorpio (Owner)");
    assert_eq!(item["asked"], "Edit session");
    assert_eq!(item["ticket"], "#4821");
    assert_eq!(item["is_own"], false);
    assert!(!item["why"].as_array().unwrap().is_empty(), "{item}");
    assert_eq!(item["waited"], "just now");

    // Other roles are refused, nothing is listed or decided, and each
    // attempt is recorded as a denied attempt.
    for email in [
        "priya.nair@chaperone.test",
        "omar.haddad@chaperone.test",
        "alex.rivera@chaperone.test",
    ] {
        let client = staff(&app, email).await;
        assert_eq!(
            app.call(&client, "approval_queue", &[]).await.status(),
            403,
            "{email}"
        );
    }
    let form = [("id", id.as_str()), ("approve", "true"), ("note", "")];
    let res = app.call(&priya, "decide_request", &form).await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("permission"));
    assert_eq!(status(&app, &priya, &id).await["status"], "pending");
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.events where kind = 'access.role_refused'"
        )
        .await,
        4
    );
    let denied: serde_json::Value = app
        .call(&maya, "denied_attempts", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(
        denied
            .to_string()
            .contains("Priya Nair tried to approve or deny requests (decide_request) without a role that allows it"),
        "{denied}"
    );

    // Denying needs a note: refused, still pending, and recorded.
    let deny = [("id", id.as_str()), ("approve", "false"), ("note", " ")];
    let res = app.call(&maya, "decide_request", &deny).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("Say why you deny"));
    assert_eq!(status(&app, &priya, &id).await["status"], "pending");
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.events where kind = 'support.decision_refused'"
        )
        .await,
        1
    );

    // Decided, it leaves the queue; expired, it never shows.
    assert_eq!(app.call(&maya, "decide_request", &form).await.status(), 200);
    assert_eq!(queue(&app, &maya).await, serde_json::json!([]));
    let res = request(&app, &priya, "Globex", "mindy@globex.test", "edit").await;
    assert_eq!(res.status(), 200);
    assert_eq!(queue(&app, &maya).await.as_array().unwrap().len(), 1);
    app.clock.advance(chrono::Duration::hours(2));
    assert_eq!(queue(&app, &maya).await, serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_managers_own_request_shows_but_is_not_theirs_to_decide() {
    let app = demo().await;
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    // A manager asks for a read-only session into a sensitive account.
    let res = request(&app, &maya, "Globex", "hank@globex.test", "read_only").await;
    assert_eq!(res.status(), 200);
    let id: String = res.json().await.unwrap();
    let mine = queue(&app, &maya).await;
    assert_eq!(mine[0]["is_own"], true, "{mine}");
    let leo = staff(&app, "leo.brandt@chaperone.test").await;
    assert_eq!(queue(&app, &leo).await[0]["is_own"], false);
    let form = [("id", id.as_str()), ("approve", "true"), ("note", "")];
    assert_eq!(app.call(&maya, "decide_request", &form).await.status(), 403);
    assert_eq!(app.call(&leo, "decide_request", &form).await.status(), 200);
}

async fn ended_session(app: &TestApp, who: &str) -> String {
    let client = in_session(app, who, "Acme Co", "tom@acme.test", "read_only").await;
    let id: String = sqlx::query_scalar(
        "select id::text from chaperone.support_sessions where ended_at is null",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        app.call(&client, "end_support_session", &[]).await.status(),
        200
    );
    id
}

fn review_form<'a>(id: &'a str, verdict: &'a str, note: &'a str) -> [(&'static str, &'a str); 3] {
    [("id", id), ("verdict", verdict), ("note", note)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_mark_ended_sessions_fine_or_flag_them_with_a_note() {
    let app = demo().await;
    let sarah_session = ended_session(&app, "sarah.lee@chaperone.test").await;
    let maya = staff(&app, "maya.chen@chaperone.test").await;

    // The inbox offers it.
    let inbox: serde_json::Value = app
        .call(&maya, "review_inbox", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(inbox["total"], 1);
    assert_eq!(inbox["items"][0]["id"], sarah_session);

    // Bad input changes nothing.
    for (form, status) in [
        (review_form(&sarah_session, "flagged", "  "), 400),
        (review_form(&sarah_session, "unreviewed", ""), 400),
        (review_form(&sarah_session, "great", ""), 400),
        (review_form("not-an-id", "fine", ""), 404),
    ] {
        assert_eq!(
            app.call(&maya, "review_session", &form).await.status(),
            status,
            "{form:?}"
        );
    }
    let missing = uuid::Uuid::new_v4().to_string();
    assert_eq!(
        app.call(&maya, "review_session", &review_form(&missing, "fine", ""))
            .await
            .status(),
        404
    );
    // Only managers review.
    let omar = staff(&app, "omar.haddad@chaperone.test").await;
    assert_eq!(
        app.call(
            &omar,
            "review_session",
            &review_form(&sarah_session, "fine", "")
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.support_sessions where review_state <> 'unreviewed'"
        )
        .await,
        0
    );

    let form = review_form(
        &sarah_session,
        "flagged",
        "Viewed billing without a billing ticket",
    );
    assert_eq!(app.call(&maya, "review_session", &form).await.status(), 200);
    let story: serde_json::Value = app
        .call(&maya, "session_timeline", &[("id", &sarah_session)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(story["review"]["state"], "flagged");
    assert_eq!(
        story["review"]["note"],
        "Viewed billing without a billing ticket"
    );
    assert!(story["review"]["by"]
        .as_str()
        .unwrap()
        .starts_with("Maya Chen"));
    assert!(story["events"].as_array().unwrap().iter().any(|e| e["sentence"]
        == "Maya Chen flagged Sarah Lee's session in Acme Co: “Viewed billing without a billing ticket”"));
    // The list shows it and filters by it; the inbox no longer offers it.
    let flagged: serde_json::Value = app
        .call(&maya, "session_log", &[("review", "flagged")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(flagged["rows"].as_array().unwrap().len(), 1);
    assert_eq!(flagged["rows"][0]["review"], "flagged");
    let unreviewed: serde_json::Value = app
        .call(&maya, "session_log", &[("review", "unreviewed")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(unreviewed["rows"].as_array().unwrap().len(), 0);
    let inbox: serde_json::Value = app
        .call(&maya, "review_inbox", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(inbox["total"], 0);
    assert_eq!(
        app.call(&maya, "session_log", &[("review", "sometimes")])
            .await
            .status(),
        400
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_reviews_a_live_session_or_their_own_not_even_past_the_code() {
    let app = demo().await;
    let maya_session = ended_session(&app, "maya.chen@chaperone.test").await;
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    let res = app
        .call(
            &maya,
            "review_session",
            &review_form(&maya_session, "fine", ""),
        )
        .await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("another manager"));
    // The inbox does not offer one's own sessions.
    let inbox: serde_json::Value = app
        .call(&maya, "review_inbox", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(inbox["total"], 0);

    // The database refuses a self-review and a review of a live session.
    let owner = app.owner_pool().await;
    let err = sqlx::query(
        "update chaperone.support_sessions set review_state = 'fine', reviewed_by = staff_id, reviewed_at = now() where id = $1::uuid",
    )
    .bind(&maya_session)
    .execute(&owner)
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("support_sessions_not_self_reviewed"),
        "{err}"
    );
    let _sarah = sarah_in_session(&app).await;
    let live: String = sqlx::query_scalar(
        "select id::text from chaperone.support_sessions where ended_at is null",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let res = app
        .call(&maya, "review_session", &review_form(&live, "fine", ""))
        .await;
    assert_eq!(res.status(), 400);
    let leo = sqlx::query_scalar::<_, uuid::Uuid>(
        "select id from chaperone.staff where email = 'leo.brandt@chaperone.test'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let err = sqlx::query(
        "update chaperone.support_sessions set review_state = 'fine', reviewed_by = $2, reviewed_at = now() where id = $1::uuid",
    )
    .bind(&live)
    .bind(leo)
    .execute(&owner)
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("support_sessions_review_after_end"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_agent_is_told_on_their_next_call_and_the_page_sends_them_back() {
    let app = demo().await;
    let sarah = sarah_in_session(&app).await;
    assert_eq!(
        app.call(&sarah, "product_dashboard", &[]).await.status(),
        200
    );
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    let live: String = sqlx::query_scalar(
        "select id::text from chaperone.support_sessions where ended_at is null",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    // A note is required; without one nothing ends.
    let res = app
        .call(
            &maya,
            "revoke_support_session",
            &[("session_id", live.as_str()), ("note", " ")],
        )
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        app.call(&sarah, "product_dashboard", &[]).await.status(),
        200
    );
    let form = [
        ("session_id", live.as_str()),
        ("note", "Customer withdrew consent"),
    ];
    assert_eq!(
        app.call(&maya, "revoke_support_session", &form)
            .await
            .status(),
        200
    );

    // The next product call says the session ended, and why.
    let res = app.call(&sarah, "product_dashboard", &[]).await;
    assert_eq!(res.status(), 409);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"], "SessionEnded");
    assert_eq!(
        body["message"],
        "A manager or an admin ended your support session."
    );
    // The next page is the console, saying the same.
    let page = sarah.get(app.url("/app/orders")).send().await.unwrap();
    assert_eq!(page.status(), 303);
    assert_eq!(
        page.headers()["location"],
        "/console?ended=revoked_by_manager"
    );
    let story: serde_json::Value = app
        .call(&maya, "session_timeline", &[("id", &live)])
        .await
        .json()
        .await
        .unwrap();
    assert!(story["events"].to_string().contains("Maya Chen ended Sarah Lee's live support session in Acme Co: “Customer withdrew consent”"), "{story}");
    assert_eq!(story["can_revoke"], false);
}

/// The weekly review's figures on a known seed: the test clock reads
/// Tuesday 24 Nov 2026 09:00 UTC, in the week of Monday 23 Nov.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_weekly_review_matches_a_known_week() {
    let app = demo().await;
    let end = |client: reqwest::Client| {
        let app = &app;
        async move {
            assert_eq!(
                app.call(&client, "end_support_session", &[]).await.status(),
                200
            );
        }
    };
    // Tuesday: Sarah views for 10 minutes and is refused one change.
    let sarah = sarah_in_session(&app).await;
    let form = [("setting", "weekly_digest"), ("enabled", "true")];
    assert_eq!(
        app.call(&sarah, "set_notification", &form).await.status(),
        403
    );
    app.clock.advance(chrono::Duration::minutes(10));
    end(sarah).await;
    // Tuesday: Priya changes the tax rate, 12 minutes.
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
    app.clock.advance(chrono::Duration::minutes(12));
    end(priya).await;
    // Wednesday: Sarah again, 4 minutes.
    app.clock.advance(chrono::Duration::days(1));
    let sarah = sarah_in_session(&app).await;
    app.clock.advance(chrono::Duration::minutes(4));
    end(sarah).await;
    // Maya marks Sarah's first session fine.
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    let first: String = sqlx::query_scalar(
        "select id::text from chaperone.support_sessions where staff_name = 'Sarah Lee' order by started_at limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let form = [("id", first.as_str()), ("verdict", "fine"), ("note", "")];
    assert_eq!(app.call(&maya, "review_session", &form).await.status(), 200);

    let res = app.call(&maya, "weekly_review", &[]).await;
    assert_eq!(res.status(), 200);
    let w: serde_json::Value = res.json().await.unwrap();
    assert_eq!(w["period"], "23 Nov – 29 Nov 2026");
    assert_eq!(w["sessions"], 3);
    assert_eq!(
        w["days"][0],
        serde_json::json!({ "label": "Mon 23", "view_only": 0, "with_changes": 0 })
    );
    assert_eq!(
        w["days"][1],
        serde_json::json!({ "label": "Tue 24", "view_only": 1, "with_changes": 1 })
    );
    assert_eq!(
        w["days"][2],
        serde_json::json!({ "label": "Wed 25", "view_only": 1, "with_changes": 0 })
    );
    assert_eq!(w["median_minutes"], 10);
    assert_eq!(
        w["per_agent"],
        serde_json::json!([["Sarah Lee", 2], ["Priya Nair", 1]])
    );
    assert_eq!(w["reviewed"], 1);
    assert_eq!(w["ended"], 3);
    assert_eq!(w["with_changes"].as_array().unwrap().len(), 1);
    assert_eq!(w["with_changes"][0]["staff_name"], "Priya Nair");
    assert_eq!(w["with_changes"][0]["changes"], 1);
    assert!(
        w["denied_by_staff"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(["Sarah Lee", 1])),
        "{}",
        w["denied_by_staff"]
    );

    // Another week is empty; a bad week is refused; only managers see it.
    let before: serde_json::Value = app
        .call(&maya, "weekly_review", &[("week", "2026-11-16")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(before["sessions"], 0);
    assert_eq!(before["median_minutes"], serde_json::Value::Null);
    assert_eq!(
        app.call(&maya, "weekly_review", &[("week", "last week")])
            .await
            .status(),
        400
    );
    let omar = staff(&app, "omar.haddad@chaperone.test").await;
    assert_eq!(app.call(&omar, "weekly_review", &[]).await.status(), 403);

    // The page draws the charts on the server: readable without JavaScript.
    let page = app.page(&maya, "/console/review/week").await;
    assert!(page.contains("<svg"), "server-rendered SVG");
    assert!(
        page.contains("Tue 24: 1 view-only, 1 with changes"),
        "the chart describes itself"
    );
    assert!(!page.contains("cdn"), "no chart CDN");
}

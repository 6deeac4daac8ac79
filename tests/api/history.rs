//! The customer's side: the history of support visits, the support-access
//! policy, and an owner ending a visit. Each account sees only its own.

use crate::helpers::{new_client, TestApp};
use crate::support::{acme_workspace, demo, priya_as_jane, sarah_in_session, staff};
use chaperone::seed::DEMO_PASSWORD;

async fn customer(app: &TestApp, email: &str) -> reqwest::Client {
    let client = new_client();
    assert_eq!(
        app.customer_sign_in(&client, email, DEMO_PASSWORD)
            .await
            .status(),
        200
    );
    client
}

async fn history(app: &TestApp, client: &reqwest::Client) -> serde_json::Value {
    let res = app.call(client, "support_history", &[]).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_read_what_support_did_and_no_one_else_reads_it() {
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
    // Support itself cannot open the customer's history or policy.
    for endpoint in ["support_history", "support_policy"] {
        assert_eq!(
            app.call(&priya, endpoint, &[]).await.status(),
            403,
            "{endpoint}"
        );
    }
    assert_eq!(
        app.call(&priya, "end_support_session", &[]).await.status(),
        200
    );

    let jane = customer(&app, "jane@acme.test").await;
    let h = history(&app, &jane).await;
    assert_eq!(h["account_name"], "Acme Co");
    let visits = h["visits"].as_array().unwrap();
    assert_eq!(visits.len(), 1);
    let v = &visits[0];
    assert_eq!(v["who"], "Priya Nair from Support");
    assert_eq!(v["viewing_as"], "Jane Doe");
    assert_eq!(v["mode"], "Edit");
    assert_eq!(v["ticket"], "#4821");
    assert_eq!(v["live"], false);
    assert_eq!(v["how_it_ended"], "Ended by the agent");
    assert!(v["changes"][0]
        .as_str()
        .unwrap()
        .starts_with("Priya Nair from Support changed Tax rate from 20% to 10%"));
    // Nothing staff-only: no technical detail, no ids of the log.
    let text = h.to_string();
    assert!(!text.contains("session_id") && !text.contains("prev_hash"));

    // Members and billing admins see none of it; another account's owner
    // sees only their own account (nothing here).
    for email in ["tom@acme.test", "ana@acme.test"] {
        let client = customer(&app, email).await;
        let res = app.call(&client, "support_history", &[]).await;
        assert_eq!(res.status(), 403, "{email}");
        assert!(res.text().await.unwrap().contains("Only owners and admins"));
    }
    let nancy = customer(&app, "nancy@northwind.test").await;
    let other = history(&app, &nancy).await;
    assert_eq!(other["account_name"], "Northwind Traders");
    assert_eq!(other["visits"], serde_json::json!([]));
    assert!(!other.to_string().contains("Priya"));
    // An admin of an account reads its history too.
    let andrew = customer(&app, "andrew@northwind.test").await;
    assert_eq!(
        app.call(&andrew, "support_history", &[]).await.status(),
        200
    );
    // Staff outside a session: refused.
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    assert_eq!(app.call(&maya, "support_history", &[]).await.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_turns_support_off_and_the_refusal_shows_in_the_history() {
    let app = demo().await;
    let jane = customer(&app, "jane@acme.test").await;
    let policy: serde_json::Value = app
        .call(&jane, "support_policy", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(policy["current"], "allow");
    // Bad input and the wrong role change nothing.
    assert_eq!(
        app.call(&jane, "set_support_policy", &[("policy", "sometimes")])
            .await
            .status(),
        400
    );
    let ana = customer(&app, "ana@acme.test").await;
    assert_eq!(
        app.call(&ana, "set_support_policy", &[("policy", "off")])
            .await
            .status(),
        403
    );
    // A visit in progress ends when support access goes off.
    let sarah = sarah_in_session(&app).await;
    let res = app
        .call(&jane, "set_support_policy", &[("policy", "off")])
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("was ended"));
    assert_eq!(
        app.call(&sarah, "product_dashboard", &[]).await.status(),
        409
    );
    // A new request is refused, and the history says so.
    let sarah = staff(&app, "sarah.lee@chaperone.test").await;
    let res = crate::support::request(&app, &sarah, "Acme Co", "tom@acme.test", "read_only").await;
    assert_eq!(res.status(), 200);
    let h = history(&app, &jane).await;
    let refused = h["refused"].as_array().unwrap();
    assert_eq!(refused.len(), 1, "{h}");
    assert!(refused[0]
        .as_str()
        .unwrap()
        .starts_with("Sarah Lee from Support asked to enter on"));
    assert!(refused[0]
        .as_str()
        .unwrap()
        .contains("as Tom Becker and was refused"));
    assert_eq!(h["policy_changes"].as_array().unwrap().len(), 1);
    assert!(h["policy_changes"][0]
        .as_str()
        .unwrap()
        .contains("Jane Doe changed support access for Acme Co from “Allow support access” to “Support access off”"));
    assert_eq!(h["visits"][0]["how_it_ended"], "Ended by the customer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_ends_a_live_visit_and_the_agent_is_out() {
    let app = demo().await;
    let sarah = sarah_in_session(&app).await;
    let jane = customer(&app, "jane@acme.test").await;
    let h = history(&app, &jane).await;
    let visit = &h["visits"][0];
    assert_eq!(visit["live"], true);
    assert_eq!(visit["can_end"], true);
    let id = visit["id"].as_str().unwrap().to_string();
    // Another account's owner cannot end it: not found, nothing changes.
    let nancy = customer(&app, "nancy@northwind.test").await;
    assert_eq!(
        app.call(&nancy, "end_support_visit", &[("session_id", id.as_str())])
            .await
            .status(),
        404
    );
    assert_eq!(
        app.call(&sarah, "product_dashboard", &[]).await.status(),
        200
    );

    let res = app
        .call(&jane, "end_support_visit", &[("session_id", id.as_str())])
        .await;
    assert_eq!(res.status(), 200);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Sarah Lee is out of your account"));
    let res = app.call(&sarah, "product_dashboard", &[]).await;
    assert_eq!(res.status(), 409);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("The customer ended your support session."));
    assert_eq!(
        app.call(&jane, "end_support_visit", &[("session_id", id.as_str())])
            .await
            .status(),
        400,
        "already ended"
    );
    let h = history(&app, &jane).await;
    assert_eq!(h["visits"][0]["live"], false);
    assert_eq!(h["visits"][0]["how_it_ended"], "Ended by the customer");
}

async fn request_id(res: reqwest::Response) -> String {
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn status(app: &TestApp, client: &reqwest::Client, id: &str) -> String {
    let v: serde_json::Value = app
        .call(client, "request_status", &[("id", id)])
        .await
        .json()
        .await
        .unwrap();
    v["status"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_admits_one_visit_when_the_account_asks_first() {
    let app = demo().await;
    let sarah = staff(&app, "sarah.lee@chaperone.test").await;
    let id = request_id(
        crate::support::request(&app, &sarah, "Initech", "peter@initech.test", "read_only").await,
    )
    .await;
    assert_eq!(status(&app, &sarah, &id).await, "pending");
    // Only an owner of Initech sees and decides it.
    let peter = customer(&app, "peter@initech.test").await;
    let waiting: serde_json::Value = app
        .call(&peter, "owner_requests", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        waiting,
        serde_json::json!([]),
        "a member has nothing to decide"
    );
    let jane = customer(&app, "jane@acme.test").await;
    let form = [("id", id.as_str()), ("approve", "true"), ("note", "")];
    assert_eq!(
        app.call(&jane, "decide_support_request", &form)
            .await
            .status(),
        404
    );
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    assert_eq!(
        app.call(&maya, "decide_support_request", &form)
            .await
            .status(),
        403
    );
    assert_eq!(status(&app, &sarah, &id).await, "pending");

    let bill = customer(&app, "bill@initech.test").await;
    let waiting: serde_json::Value = app
        .call(&bill, "owner_requests", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(waiting.as_array().unwrap().len(), 1);
    assert_eq!(waiting[0]["who"], "Sarah Lee from Support");
    assert_eq!(waiting[0]["ticket"], "#4821");
    assert_eq!(waiting[0]["manager_too"], false);
    let form = [
        ("id", id.as_str()),
        ("approve", "true"),
        ("note", "Only the TPS invoices, please"),
    ];
    let res = app.call(&bill, "decide_support_request", &form).await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("may enter once"));
    assert_eq!(status(&app, &sarah, &id).await, "approved");
    // The agent reads the owner's decision and note before entering.
    let seen: serde_json::Value = app
        .call(&sarah, "request_status", &[("id", id.as_str())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen["owner_note"], "Only the TPS invoices, please");
    assert!(
        seen["owner_decided_by"].as_str().unwrap().contains("Bill"),
        "{seen}"
    );
    // Deciding twice changes nothing.
    assert_eq!(
        app.call(&bill, "decide_support_request", &form)
            .await
            .status(),
        400
    );
    // Sarah enters with it, once.
    let enter = [("request_id", id.as_str()), ("password", DEMO_PASSWORD)];
    assert_eq!(
        app.call(&sarah, "enter_support_session", &enter)
            .await
            .status(),
        200
    );

    // A refusal ends a request, and the history says who refused.
    assert_eq!(
        app.call(&sarah, "end_support_session", &[]).await.status(),
        200
    );
    let again = request_id(
        crate::support::request(&app, &sarah, "Initech", "milton@initech.test", "read_only").await,
    )
    .await;
    let form = [
        ("id", again.as_str()),
        ("approve", "false"),
        ("note", "Not this week"),
    ];
    assert_eq!(
        app.call(&bill, "decide_support_request", &form)
            .await
            .status(),
        200
    );
    assert_eq!(status(&app, &sarah, &again).await, "denied");
    let h = history(&app, &bill).await;
    assert!(h["refused"][0]
        .as_str()
        .unwrap()
        .contains("Bill Lumbergh, an owner of the account, refused it."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_and_an_owner_must_both_approve_in_either_order() {
    let app = demo().await;
    let sarah = staff(&app, "sarah.lee@chaperone.test").await;
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    let bill = customer(&app, "bill@initech.test").await;
    let manager = |id: String| {
        let (app, maya) = (&app, &maya);
        async move {
            let form = [("id", id.as_str()), ("approve", "true"), ("note", "")];
            assert_eq!(app.call(maya, "decide_request", &form).await.status(), 200);
        }
    };
    let owner = |id: String| {
        let (app, bill) = (&app, &bill);
        async move {
            let form = [("id", id.as_str()), ("approve", "true"), ("note", "")];
            assert_eq!(
                app.call(bill, "decide_support_request", &form)
                    .await
                    .status(),
                200
            );
        }
    };
    // Viewing as an owner needs a manager; the account asks its owner too.
    let first = request_id(
        crate::support::request(&app, &sarah, "Initech", "bill@initech.test", "read_only").await,
    )
    .await;
    let waiting: serde_json::Value = app
        .call(&bill, "owner_requests", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(waiting[0]["manager_too"], true);
    manager(first.clone()).await;
    assert_eq!(status(&app, &sarah, &first).await, "pending");
    owner(first.clone()).await;
    assert_eq!(status(&app, &sarah, &first).await, "approved");
    let form = [("id", first.as_str())];
    assert_eq!(
        app.call(&sarah, "cancel_request", &form).await.status(),
        400,
        "approved, not pending"
    );

    let second = request_id(
        crate::support::request(&app, &sarah, "Initech", "bill@initech.test", "read_only").await,
    )
    .await;
    owner(second.clone()).await;
    assert_eq!(status(&app, &sarah, &second).await, "pending");
    let queue: serde_json::Value = app
        .call(&maya, "approval_queue", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        queue[0]["needs_owner_too"], false,
        "the owner already approved"
    );
    manager(second.clone()).await;
    assert_eq!(status(&app, &sarah, &second).await, "approved");

    // Expired: nobody can approve it any more.
    let third = request_id(
        crate::support::request(&app, &sarah, "Initech", "peter@initech.test", "read_only").await,
    )
    .await;
    app.clock.advance(chrono::Duration::hours(2));
    let form = [("id", third.as_str()), ("approve", "true"), ("note", "")];
    let res = app.call(&bill, "decide_support_request", &form).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("expired"));
    assert_eq!(status(&app, &sarah, &third).await, "expired");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_are_told_when_support_enters_and_changes_something_as_they_choose() {
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

    let jane = customer(&app, "jane@acme.test").await;
    let notices: serde_json::Value = app
        .call(&jane, "my_notifications", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(notices["unread"], 2, "{notices}");
    assert!(notices["items"][0]["body"]
        .as_str()
        .unwrap()
        .starts_with("Priya Nair changed Tax rate from 20% to 10%"));
    assert!(notices["items"][1]["body"]
        .as_str()
        .unwrap()
        .starts_with("Priya Nair entered Acme Co as Jane Doe"));
    let mail: Vec<(String, String, String)> =
        sqlx::query_as("select to_address, subject, body from chaperone.email_outbox order by id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(mail.len(), 2);
    assert_eq!(mail[0].0, "jane@acme.test");
    assert_eq!(mail[0].1, "Support entered your account");
    assert_eq!(mail[1].1, "Support changed something in your account");
    assert!(mail[1]
        .2
        .starts_with("Hello Jane Doe,\n\nPriya Nair changed Tax rate from 20% to 10%"));
    assert!(mail[1].2.contains("(ticket #4821)"), "{}", mail[1].2);
    // Nobody else in the account is told; members read no notifications.
    let tom = customer(&app, "tom@acme.test").await;
    let none: serde_json::Value = app
        .call(&tom, "my_notifications", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none["items"], serde_json::json!([]));

    // Jane keeps changes in the app only.
    let form = [
        ("entry_in_app", "on"),
        ("entry_email", "on"),
        ("change_in_app", "on"),
    ];
    assert_eq!(
        app.call(&jane, "set_notification_choices", &form)
            .await
            .status(),
        200
    );
    let choices: serde_json::Value = app
        .call(&jane, "notification_choices", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(choices["change_email"], false);
    assert_eq!(choices["change_in_app"], true);
    assert_eq!(
        app.call(&tom, "set_notification_choices", &form)
            .await
            .status(),
        403
    );
    let form = [
        ("workspace_id", eu.as_str()),
        ("rate", "12"),
        ("region", "EU"),
    ];
    assert_eq!(
        app.call(&priya, "update_tax_rule", &form).await.status(),
        200
    );
    let notices: serde_json::Value = app
        .call(&jane, "my_notifications", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(notices["unread"], 3);
    let mails: i64 = sqlx::query_scalar("select count(*) from chaperone.email_outbox")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(mails, 2, "no email for the change");
    // Page views notify no one.
    assert_eq!(
        app.call(&priya, "product_dashboard", &[]).await.status(),
        200
    );
    assert_eq!(
        app.call(&priya, "end_support_session", &[]).await.status(),
        200
    );
    assert_eq!(
        app.call(&jane, "mark_notifications_read", &[])
            .await
            .status(),
        200
    );
    let notices: serde_json::Value = app
        .call(&jane, "my_notifications", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(notices["unread"], 0);
    assert_eq!(notices["items"].as_array().unwrap().len(), 3);
}

/// The product's navigation shows an owner how many notifications about
/// support are unread; reading them clears it. Members get none, and the
/// agent inside the session is told 0 without a refusal on the record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_navigation_counts_an_owners_unread_notifications() {
    let app = demo().await;
    let priya = priya_as_jane(&app, "read_only").await;
    let jane = customer(&app, "jane@acme.test").await;
    let count = |client: reqwest::Client| {
        let app = &app;
        async move {
            let res = app.call(&client, "unread_notifications", &[]).await;
            assert_eq!(res.status(), 200);
            res.json::<i64>().await.unwrap()
        }
    };
    assert_eq!(count(jane.clone()).await, 1, "the entry");
    let page = app.page(&jane, "/app").await;
    assert!(page.contains("1 new"), "the badge is in the page");

    let tom = customer(&app, "tom@acme.test").await;
    assert_eq!(count(tom).await, 0);
    let refusals = app.event_count("access.role_refused").await;
    assert_eq!(count(priya).await, 0);
    assert_eq!(app.event_count("access.role_refused").await, refusals);

    assert_eq!(
        app.call(&jane, "mark_notifications_read", &[])
            .await
            .status(),
        200
    );
    assert_eq!(count(jane).await, 0);
}

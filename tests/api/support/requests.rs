//! Requests: recorded before anything else, refused at the form when they say nothing, the policy run again at entry.

use super::*;
use chaperone::seed::DEMO_PASSWORD;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vague_reasons_and_bad_tickets_are_refused_at_the_form_and_not_recorded() {
    let app = demo().await;
    let sarah = staff(&app, "sarah.lee@chaperone.test").await;
    let (a, u) = (
        account(&app, "Acme Co").await,
        user(&app, "tom@acme.test").await,
    );
    for (reason, ticket, message) in [
        ("check issue", "#4821", "does not say why"),
        ("support", "#4821", "does not say why"),
        ("tax wrong", "#4821", "too short"),
        (REASON, "4821", "not a ticket reference"),
        (REASON, "", "Enter the ticket reference"),
    ] {
        let res = app
            .call(
                &sarah,
                "request_support_session",
                &[
                    ("account_id", &a),
                    ("target_user_id", &u),
                    ("reason", reason),
                    ("ticket", ticket),
                    ("mode", "read_only"),
                ],
            )
            .await;
        assert_eq!(res.status(), 400, "{reason}");
        assert!(res.text().await.unwrap().contains(message), "{reason}");
    }
    assert_eq!(
        count(&app, "select count(*) from chaperone.access_requests").await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_recorded_too() {
    let app = demo().await;
    let sarah = staff(&app, "sarah.lee@chaperone.test").await;
    let res = request(&app, &sarah, "Umbrella", "ada@umbrella.test", "read_only").await;
    assert_eq!(res.status(), 200);
    let id: String = res.json().await.unwrap();
    let r = status(&app, &sarah, &id).await;
    assert_eq!(r["status"], "refused");
    assert!(r["policy_reasons"][0]
        .as_str()
        .unwrap()
        .contains("turned support access off"));
    // An agent cannot ask for edit access: recorded and refused.
    let id: String = request(&app, &sarah, "Acme Co", "tom@acme.test", "edit")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status(&app, &sarah, &id).await["status"], "refused");
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.events where kind = 'support.request_refused'"
        )
        .await,
        2
    );
    // Another agent cannot read Sarah's request.
    let james = staff(&app, "james.ortiz@chaperone.test").await;
    assert_eq!(
        app.call(&james, "request_status", &[("id", &id)])
            .await
            .status(),
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entry_runs_the_policy_again() {
    let app = demo().await;
    let sarah = staff(&app, "sarah.lee@chaperone.test").await;
    let id: String = request(&app, &sarah, "Acme Co", "tom@acme.test", "read_only")
        .await
        .json()
        .await
        .unwrap();
    // After the approval, the customer turns support access off.
    sqlx::query("update product.accounts set support_access = 'off' where name = 'Acme Co'")
        .execute(&app.pool)
        .await
        .unwrap();
    let form = [("request_id", id.as_str()), ("password", DEMO_PASSWORD)];
    let res = app.call(&sarah, "enter_support_session", &form).await;
    assert_eq!(res.status(), 400);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("turned support access off"));
    assert_eq!(
        count(&app, "select count(*) from chaperone.support_sessions").await,
        0
    );

    // A user who became an owner since the request needs a manager now.
    sqlx::query("update product.accounts set support_access = 'allow' where name = 'Acme Co'")
        .execute(&app.pool)
        .await
        .unwrap();
    let id: String = request(&app, &sarah, "Acme Co", "tom@acme.test", "read_only")
        .await
        .json()
        .await
        .unwrap();
    sqlx::query("update product.users set role = 'owner' where email = 'tom@acme.test'")
        .execute(&app.pool)
        .await
        .unwrap();
    let form = [("request_id", id.as_str()), ("password", DEMO_PASSWORD)];
    assert_eq!(
        app.call(&sarah, "enter_support_session", &form)
            .await
            .status(),
        400
    );
}

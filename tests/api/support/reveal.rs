//! Identity reveal: one field of the viewed user, once, with a manager's
//! approval, never into the log; secrets never.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identity_field_is_shown_once_with_approval_and_never_logged() {
    let app = demo().await;
    let priya = priya_as_jane(&app, "read_only").await;
    let maya = staff(&app, "maya.chen@chaperone.test").await;
    let jane = user(&app, "jane@acme.test").await;
    let tom = user(&app, "tom@acme.test").await;
    let national_id: String =
        sqlx::query_scalar("select national_id from product.users where email = 'jane@acme.test'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let refused = "select count(*) from chaperone.events where kind = 'support.reveal_refused'";
    let ask = |field: &'static str, user_id: String| {
        let (app, priya) = (&app, &priya);
        async move {
            app.call(
                priya,
                "request_identity_reveal",
                &[
                    ("field", field),
                    ("user_id", user_id.as_str()),
                    (
                        "reason",
                        "Customer must confirm the tax ID printed on their invoices",
                    ),
                ],
            )
            .await
        }
    };

    let offers: serde_json::Value = app
        .call(&priya, "identity_reveals", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(offers.as_array().unwrap().len(), 2);
    assert_eq!(offers[1]["label"], "National or tax ID of Jane Doe");
    assert_eq!(offers[1]["state"], "can_ask");

    // Secrets are never revealable; another user's fields neither.
    let res = ask("password_hash", jane.clone()).await;
    assert_eq!(res.status(), 403);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Secrets are never revealable"));
    let res = ask("national_id", tom.clone()).await;
    assert_eq!(res.status(), 403);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("user you are viewing as"));
    assert_eq!(count(&app, refused).await, 2, "refusals are recorded");

    // Nothing shows without an approval.
    let show = [("field", "national_id")];
    assert_eq!(
        app.call(&priya, "reveal_identity", &show).await.status(),
        403
    );

    let res = ask("national_id", jane.clone()).await;
    assert_eq!(res.status(), 200);
    let id: String = res.json().await.unwrap();
    let form = [
        ("id", id.as_str()),
        ("approve", "true"),
        ("note", "for the tax ID check"),
    ];
    assert_eq!(app.call(&maya, "decide_request", &form).await.status(), 200);

    let res = app.call(&priya, "reveal_identity", &show).await;
    assert_eq!(res.status(), 200);
    let shown: String = res.json().await.unwrap();
    assert_eq!(shown, national_id);
    // Once: the approval is spent.
    assert_eq!(
        app.call(&priya, "reveal_identity", &show).await.status(),
        403
    );
    let offers: serde_json::Value = app
        .call(&priya, "identity_reveals", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(offers[1]["state"], "shown");

    // The request, the approval and the showing are events; the value is in none.
    for kind in [
        "support.action_requested",
        "support.request_approved",
        "support.identity_shown",
    ] {
        assert!(
            count(
                &app,
                &format!("select count(*) from chaperone.events where kind = '{kind}'")
            )
            .await
                >= 1,
            "{kind}"
        );
    }
    assert_eq!(
        count(
            &app,
            &format!("select count(*) from chaperone.events where summary || detail::text like '%{national_id}%'")
        )
        .await,
        0,
        "the value never enters the log"
    );

    // Jane reads in her history that her ID was shown, and which approval
    // was used: the customer sees it too, never the value.
    let owner = crate::helpers::new_client();
    app.customer_sign_in(&owner, "jane@acme.test", DEMO_PASSWORD)
        .await;
    let history = app.call(&owner, "support_history", &[]).await;
    assert_eq!(history.status(), 200);
    let history = history.text().await.unwrap();
    assert!(
        history.contains("Priya Nair from Support was shown the national or tax ID"),
        "{history}"
    );
    assert!(!history.contains(&national_id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_without_the_role_and_customers_get_nothing() {
    let app = demo().await;
    let sarah = sarah_in_session(&app).await;
    let tom = user(&app, "tom@acme.test").await;
    let res = app
        .call(
            &sarah,
            "request_identity_reveal",
            &[
                ("field", "birth_date"),
                ("user_id", tom.as_str()),
                (
                    "reason",
                    "Customer must confirm their birth date for the account",
                ),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Only senior agents and engineers"));
    assert_eq!(
        count(
            &app,
            "select count(*) from chaperone.events where kind = 'support.reveal_refused'"
        )
        .await,
        1
    );

    let jane = new_client();
    app.customer_sign_in(&jane, "jane@acme.test", DEMO_PASSWORD)
        .await;
    let offers: serde_json::Value = app
        .call(&jane, "identity_reveals", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(offers, serde_json::json!([]));
    assert_eq!(
        app.call(&jane, "reveal_identity", &[("field", "national_id")])
            .await
            .status(),
        400
    );
}

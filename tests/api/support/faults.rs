//! Faults: Postgres stops in the middle of a support session. Every request
//! gets a clear answer, nothing changes without its event, and when Postgres
//! is back the same server carries on, without a restart. The test stops and
//! starts a throwaway cluster of its own (`PG_CLUSTER=faults .ci/pg`), so no
//! other test is disturbed.

use super::{acme_workspace, priya_as_jane};
use crate::helpers::{new_client, spawn_app_with, Options};
use std::process::Command;

/// Runs `.ci/pg` on the faults cluster.
fn pg(args: &[&str]) -> String {
    let out = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/pg"))
        .args(args)
        .env("PG_CLUSTER", "faults")
        .output()
        .expect("run .ci/pg");
    assert!(
        out.status.success(),
        ".ci/pg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Stops the faults cluster when the test ends, however it ends.
struct Cluster;

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/pg"))
            .arg("stop")
            .env("PG_CLUSTER", "faults")
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stopping_mid_session_gets_clear_answers_changes_nothing_and_recovers_without_a_restart(
) {
    pg(&["start"]);
    let _cluster = Cluster;
    let admin = pg(&["env"])
        .lines()
        .find_map(|l| {
            l.strip_prefix("export TEST_DATABASE_URL='")
                .map(|u| u.trim_end_matches('\'').to_string())
        })
        .expect("the cluster's superuser URL");
    let app = spawn_app_with(Options {
        admin_url: Some(admin),
        ..Default::default()
    })
    .await;
    chaperone::seed::seed_demo(&app.pool).await.unwrap();
    let priya = priya_as_jane(&app, "edit").await;
    let maya = new_client();
    assert_eq!(
        app.staff_sign_in(
            &maya,
            "maya.chen@chaperone.test",
            chaperone::seed::DEMO_PASSWORD
        )
        .await
        .status(),
        200
    );
    let eu = acme_workspace(&app, "EU").await;
    let rate = || async {
        sqlx::query_scalar::<_, String>(
            "select tax_rate_bp::text from product.workspaces where id = $1::uuid",
        )
        .bind(&eu)
        .fetch_one(&app.pool)
        .await
        .unwrap()
    };
    let events = || async {
        sqlx::query_scalar::<_, i64>("select count(*) from chaperone.events")
            .fetch_one(&app.pool)
            .await
            .unwrap()
    };
    let (rate_before, events_before) = (rate().await, events().await);
    assert_eq!(
        priya
            .get(app.url("/app/billing/tax"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    pg(&["stop"]);

    // Pages: a plain page that says what happened, for every kind of user.
    for (client, path) in [
        (&priya, "/app/billing/tax"),
        (&priya, "/app"),
        (&maya, "/console"),
        (&maya, "/console/sessions"),
    ] {
        let res = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 503, "{path}");
        let body = res.text().await.unwrap();
        assert!(body.contains("cannot reach its database"), "{path}: {body}");
        assert!(
            !body.to_lowercase().contains("sqlx") && !body.contains("Connection refused"),
            "{path}: {body}"
        );
    }
    // Functions: the same, as the app's error the page shows.
    let edit = [
        ("workspace_id", eu.as_str()),
        ("rate", "10"),
        ("region", "EU"),
    ];
    let res = app.call(&priya, "update_tax_rule", &edit).await;
    assert_eq!(res.status(), 503);
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(body.to_string().contains("Nothing was changed"), "{body}");
    let res = app.call(&maya, "session_log", &[]).await;
    assert_eq!(res.status(), 503);
    assert_eq!(
        new_client()
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        503
    );

    pg(&["start"]);

    // The same server answers again, the session is still live, and the
    // edit tried while Postgres was away neither happened nor was recorded.
    let mut healthy = false;
    for _ in 0..50 {
        if new_client()
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status()
            == 200
        {
            healthy = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(healthy, "the server did not recover");
    assert_eq!(
        rate().await,
        rate_before,
        "nothing changed while Postgres was away"
    );
    assert_eq!(
        events().await,
        events_before + 1,
        "only the one view before the stop was recorded"
    );
    assert_eq!(
        priya
            .get(app.url("/app/billing/tax"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let res = app.call(&priya, "update_tax_rule", &edit).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    assert_ne!(rate().await, rate_before);
    assert_eq!(app.event_count("product.tax_rule_changed").await, 1);
    assert_eq!(app.call(&maya, "session_log", &[]).await.status(), 200);
    let report = chaperone::audit::verify::verify(&app.pool, |_| {})
        .await
        .unwrap();
    assert!(report.broken.is_none(), "{:?}", report.broken);
}

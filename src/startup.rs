//! Builds the application: storage, coordination, the HTTP server on its listener.

use crate::config::Config;
use crate::error::{AppError, ErrorCode};
use crate::kv::Kv;
use crate::routes::{self, RouteTable};
use crate::state::AppState;
use crate::{db, metrics, openapi, telemetry};
use actix_web::HttpResponse;
use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use std::net::TcpListener;
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

/// Where the OpenAPI document is served (and where Swagger UI at `/docs/` reads it).
const SPEC_URL: &str = "/api-docs/openapi.json";

/// Answers the serialized document.
fn serve_spec(spec: web::Bytes) -> impl Fn() -> std::future::Ready<HttpResponse> + Clone + 'static {
    move || {
        std::future::ready(
            HttpResponse::Ok()
                .content_type("application/json")
                .body(spec.clone()),
        )
    }
}

pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
    stop_workers: tokio::sync::watch::Sender<bool>,
    workers: Vec<tokio::task::JoinHandle<()>>,
}

/// Extra, undocumented routes mounted beside the API (test fixtures).
pub type ExtraRoutes = fn(&mut web::ServiceConfig);

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        Application::build_with(config, |_| {}).await
    }

    pub async fn build_with(config: Config, extra: ExtraRoutes) -> anyhow::Result<Application> {
        let db = db::connect(&config).await?;
        db::migrate(&db).await?;
        let read = db::connect_read(&config, &db).await?;
        let kv = Kv::connect(config.redis_url.as_deref(), &config.redis_prefix)
            .await
            .context("cannot connect to Redis (REDIS_URL)")?;
        let listener = TcpListener::bind(config.bind)
            .with_context(|| format!("cannot listen on {} (BIND)", config.bind))?;
        let port = listener.local_addr()?.port();
        let state = AppState::new(db, read, kv, config)?;

        let doc = openapi::document();
        let table = web::Data::new(RouteTable::new(&doc));
        // Serialized once and shared by the workers (a copy of the document per worker held
        // several megabytes each).
        let spec = web::Bytes::from(serde_json::to_vec(&doc)?);
        drop(doc);
        let data = web::Data::new(state.clone());
        let limit = state.config.body_limit;
        metrics::handle();

        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(table.clone())
                .app_data(web::PayloadConfig::new(limit))
                .app_data(web::JsonConfig::default().limit(limit).error_handler(|e, _| {
                    AppError::new(ErrorCode::MalformedJson)
                        .with_detail(e.to_string())
                        .into()
                }))
                .app_data(web::QueryConfig::default().error_handler(|e, _| {
                    AppError::new(ErrorCode::InvalidQuery)
                        .with_detail(e.to_string())
                        .into()
                }))
                // A path that does not parse (`/orders/abc`) names nothing that exists.
                .app_data(
                    web::PathConfig::default()
                        .error_handler(|_, _| AppError::new(ErrorCode::NotFound).into()),
                )
                .wrap(ErrorHandlers::new().default_handler(routes::ensure_problem))
                .wrap(from_fn(metrics::track))
                .wrap(from_fn(telemetry::request_id_header))
                .wrap(TracingLogger::default())
                .into_utoipa_app()
                .configure(routes::configure)
                .into_app()
                .configure(extra)
                .configure(crate::console::configure)
                .service(web::redirect("/docs", "/docs/"))
                .route(SPEC_URL, web::get().to(serve_spec(spec.clone())))
                .service(SwaggerUi::new("/docs/{_:.*}").config(utoipa_swagger_ui::Config::new([SPEC_URL])))
                .default_service(web::to(routes::fallback))
        })
        .workers(state.config.http_workers)
        .listen(listener)?
        .shutdown_timeout(state.config.shutdown_timeout.as_secs())
        .run();

        let (stop_workers, stop) = tokio::sync::watch::channel(false);
        let workers = crate::jobs::start(&state, stop);
        Ok(Application {
            port,
            server,
            state,
            stop_workers,
            workers,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM/SIGINT (or [`ServerHandle::stop`]). The listener closes at once (new
    /// connections are refused), in-flight requests get `SHUTDOWN_TIMEOUT_SECS` to finish, then
    /// the background jobs finish the pass under way (each row is its own transaction, so a job
    /// cut short leaves nothing half-written either) and the database pool is closed.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        tracing::info!("HTTP server stopped; stopping background jobs");
        let _ = self.stop_workers.send(true);
        let jobs = futures_util::future::join_all(self.workers);
        if tokio::time::timeout(self.state.config.shutdown_timeout, jobs)
            .await
            .is_err()
        {
            tracing::warn!("background jobs did not stop in time; their open transactions roll back");
        }
        self.state.db.close_by_ref().await.ok();
        result
    }
}

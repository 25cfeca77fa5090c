from django.urls import path

from apps.challenges import api as challenges_api
from apps.challenges import cost_api
from apps.challenges import views as challenges
from apps.editor import views as editor
from apps.engine import api as engine_api
from apps.engine import records_api, theory_api
from apps.engine import views as engine
from apps.library import api as library_api
from apps.library import views as library
from apps.limits import api as limits_api
from apps.ops import views as ops
from apps.scenarios import api as scenarios_api
from apps.scenarios import views as scenarios
from apps.topology import api as topology_api
from apps.training import api as training_api
from apps.training import views as training

urlpatterns = [
    # Pages
    path("", library.gallery, name="gallery"),
    path("scenarios/new/", scenarios.scenario_new, name="scenario-new"),
    path("scenarios/import/", scenarios.scenario_import, name="scenario-import"),
    path("templates/<slug:slug>/use/", scenarios.template_use, name="template-use"),
    path("s/<str:slug>/", scenarios.scenario_view, name="scenario-view"),
    path("s/<str:slug>/edit/", scenarios.scenario_edit, name="scenario-edit"),
    path("s/<str:slug>/edit/<str:secret>/", scenarios.scenario_claim, name="scenario-claim"),
    path("s/<str:slug>/fork/", scenarios.scenario_fork_page, name="scenario-fork"),
    path("s/<str:slug>/revisions/", scenarios.scenario_revisions_page, name="scenario-revisions"),
    path(
        "s/<str:slug>/revisions/<int:number>/restore/",
        scenarios.scenario_revision_restore_page,
        name="scenario-revision-restore",
    ),
    path("templates/<slug:slug>/lesson/", training.template_lesson, name="template-lesson"),
    path("challenges/", challenges.challenge_list_page, name="challenges"),
    path("challenges/attempts/<str:attempt_id>/", challenges.attempt_page, name="attempt-page"),
    path("challenges/attempts/<str:attempt_id>/open/", challenges.attempt_reopen, name="attempt-reopen"),
    path("challenges/<slug:slug>/start/", challenges.challenge_start, name="challenge-start"),
    path("challenges/<slug:slug>/design/<str:scenario_slug>/", challenges.challenge_design, name="challenge-design"),
    path("join/", training.enter_code, name="session-enter"),
    path("t/<str:code>/", training.session_page, name="session-page"),
    path("t/<str:code>/join/", training.session_join, name="session-join"),
    path("t/<str:code>/challenge/", training.session_challenge_take, name="session-challenge-take"),
    path("t/<str:code>/instructor/", training.session_instructor, name="session-instructor"),
    path("t/<str:code>/instructor/<str:secret>/", training.session_claim, name="session-claim"),
    path("t/<str:code>/report/", training.session_report_page, name="session-report"),
    path("t/<str:code>/report/export.html", training.session_report_export, name="session-report-export"),
    path("runs/<str:run_id>/", engine.run_report, name="run-report"),
    path("runs/<str:run_id>/export.html", engine.run_report_export, name="run-report-export"),
    # Operations (docs/limits.md)
    path("healthz", ops.healthz, name="healthz"),
    path("metrics", ops.metrics_view, name="metrics"),
    # Property panel (htmx partials)
    path("editor/panel/node/", editor.panel_node, name="panel-node"),
    path("editor/panel/edge/", editor.panel_edge, name="panel-edge"),
    path("editor/panel/scenario/", editor.panel_scenario, name="panel-scenario"),
    # JSON API (docs/api.md)
    path("api/schema/topology.json", topology_api.schema, name="api-schema"),
    path("api/validate/", topology_api.validate, name="api-validate"),
    path("api/theory/", theory_api.theory, name="api-theory"),
    path("api/prices/", cost_api.prices, name="api-prices"),
    path("api/cost/", cost_api.cost, name="api-cost"),
    path("api/templates/", library_api.templates, name="api-templates"),
    path("api/challenges/", challenges_api.challenge_list, name="api-challenges"),
    path("api/challenges/<slug:slug>/", challenges_api.challenge_detail, name="api-challenge-detail"),
    path("api/challenges/<slug:slug>/attempts/", challenges_api.attempt_create, name="api-attempts"),
    path("api/challenges/<slug:slug>/leaderboard/", challenges_api.challenge_leaderboard, name="api-leaderboard"),
    path("api/attempts/<str:attempt_id>/", challenges_api.attempt_detail, name="api-attempt-detail"),
    path("api/templates/<slug:slug>/", library_api.template_detail, name="api-template-detail"),
    path("api/scenarios/", scenarios_api.scenario_list, name="api-scenarios"),
    path("api/scenarios/<str:slug>/", scenarios_api.scenario_detail, name="api-scenario-detail"),
    path("api/scenarios/<str:slug>/fork/", scenarios_api.scenario_fork_view, name="api-scenario-fork"),
    path("api/scenarios/<str:slug>/export/", scenarios_api.scenario_export, name="api-scenario-export"),
    path("api/scenarios/<str:slug>/revisions/", scenarios_api.scenario_revisions, name="api-scenario-revisions"),
    path(
        "api/scenarios/<str:slug>/revisions/<int:number>/",
        scenarios_api.scenario_revision_detail,
        name="api-scenario-revision",
    ),
    path(
        "api/scenarios/<str:slug>/revisions/<int:number>/restore/",
        scenarios_api.scenario_revision_restore,
        name="api-scenario-revision-restore",
    ),
    path("api/scenarios/<str:slug>/runs/", engine_api.scenario_runs, name="api-scenario-runs"),
    path("api/scenarios/<str:slug>/limit/", limits_api.scenario_limit, name="api-scenario-limit"),
    path("api/limits/<str:limit_id>/", limits_api.limit_detail, name="api-limit-detail"),
    path("api/limits/<str:limit_id>/stop/", limits_api.limit_stop_view, name="api-limit-stop"),
    path("api/scenarios/<str:slug>/sessions/", training_api.scenario_sessions, name="api-scenario-sessions"),
    path("api/sessions/<str:code>/", training_api.session_detail, name="api-session"),
    path("api/sessions/<str:code>/participants/", training_api.session_participants, name="api-session-participants"),
    path("api/sessions/<str:code>/runs/", training_api.session_runs, name="api-session-runs"),
    path(
        "api/sessions/<str:code>/runs/<str:run_id>/faults/",
        training_api.session_run_faults,
        name="api-session-run-faults",
    ),
    path("api/sessions/<str:code>/runs/<str:run_id>/stop/", training_api.session_run_stop, name="api-session-run-stop"),
    path("api/sessions/<str:code>/playbook/", training_api.session_playbook, name="api-session-playbook"),
    path("api/sessions/<str:code>/questions/", training_api.session_questions, name="api-session-questions"),
    path(
        "api/sessions/<str:code>/questions/<int:question_id>/reveal/",
        training_api.session_question_reveal,
        name="api-session-reveal",
    ),
    path(
        "api/sessions/<str:code>/questions/<int:question_id>/answers/",
        training_api.question_answers,
        name="api-session-answers",
    ),
    path("api/sessions/<str:code>/spotlight/", training_api.session_spotlight, name="api-session-spotlight"),
    path("api/sessions/<str:code>/board/", training_api.session_board, name="api-session-board"),
    path("api/sessions/<str:code>/challenge/", training_api.session_challenge, name="api-session-challenge"),
    path(
        "api/sessions/<str:code>/challenge/board/",
        training_api.session_challenge_board,
        name="api-session-challenge-board",
    ),
    path(
        "api/sessions/<str:code>/challenge/attempts/",
        training_api.session_challenge_attempts,
        name="api-session-challenge-attempts",
    ),
    path("api/sessions/<str:code>/fork/", training_api.session_fork, name="api-session-fork"),
    path("api/sessions/<str:code>/end/", training_api.session_end, name="api-session-end"),
    path("api/runs/<str:run_id>/", engine_api.run_detail, name="api-run-detail"),
    path("api/runs/<str:run_id>/series/", engine_api.run_series, name="api-run-series"),
    path("api/runs/<str:run_id>/faults/", engine_api.run_faults, name="api-run-faults"),
    path("api/runs/<str:run_id>/stop/", engine_api.run_stop_view, name="api-run-stop"),
    path("api/runs/<str:run_id>/events/", records_api.run_events, name="api-run-events"),
    path("api/runs/<str:run_id>/trace/<str:corr>/", records_api.run_trace, name="api-run-trace"),
    path("api/runs/<str:run_id>/outbox/", records_api.run_outbox, name="api-run-outbox"),
    path("api/runs/<str:run_id>/cqrs/", records_api.run_cqrs, name="api-run-cqrs"),
    path(
        "api/runs/<str:run_id>/read-models/<str:node_id>/rebuild/",
        records_api.run_rebuild,
        name="api-run-rebuild",
    ),
]

handler404 = "apps.scenarios.errors.not_found"
handler500 = "apps.scenarios.errors.server_error"

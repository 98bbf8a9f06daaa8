"""The schema of the reference REST API, in SQLAlchemy Core: one table per stored object.

This module is always the *current* schema: a fresh database is created from it (see
`migrations`). Conventions (see `types`): ids are `Uuid`, times `UTCDateTime`, documents and lists
`JSONValue`, `timedelta` fields float seconds. Nothing here has a Python-side default, because the
`databases` package does not run them: inserts give `id`, `created` and `updated` themselves.

`state_id` and `parent_task_run_id` carry no foreign key: a run and its current state refer to
each other (SQLite cannot add that constraint afterwards), and task runs may be recorded from
events after the flow runs that point at them. Logs have none either, so that logs for runs this
server does not know are accepted, as Prefect does.
"""

from __future__ import annotations

import sqlalchemy as sa

from asgi_api.server.database.types import JSONValue, UTCDateTime

metadata = sa.MetaData()


def _stored_object(name: str, *columns: sa.Column | sa.Constraint | sa.Index) -> sa.Table:
    """A table whose rows carry `id`, `created` and `updated`, as every stored object does."""
    return sa.Table(
        name, metadata,
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("created", UTCDateTime, nullable=False),
        sa.Column("updated", UTCDateTime, nullable=False),
        *columns,
    )


def _run_columns() -> list[sa.Column]:
    """The denormalised state and timing columns flow runs and task runs share."""
    return [
        sa.Column("state_id", sa.Uuid),
        sa.Column("state_type", sa.String),
        sa.Column("state_name", sa.String),
        sa.Column("run_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("expected_start_time", UTCDateTime),
        sa.Column("next_scheduled_start_time", UTCDateTime),
        sa.Column("start_time", UTCDateTime),
        sa.Column("end_time", UTCDateTime),
        sa.Column("total_run_time", sa.Float, nullable=False, server_default="0"),
        sa.Column("estimated_run_time", sa.Float, nullable=False, server_default="0"),
        sa.Column("estimated_start_time_delta", sa.Float, nullable=False, server_default="0"),
    ]


def _state_columns(run: str) -> list[sa.Column | sa.Index]:
    """A state row: `<run>_run_id` (deleted with its run), the State fields, an index by time."""
    return [
        sa.Column(f"{run}_run_id", sa.Uuid, sa.ForeignKey(f"{run}_run.id", ondelete="CASCADE"), nullable=False),
        sa.Column("type", sa.String, nullable=False),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("timestamp", UTCDateTime, nullable=False),
        sa.Column("message", sa.Text),
        sa.Column("data", JSONValue),
        sa.Column("state_details", JSONValue, nullable=False),
        sa.Index(f"ix_{run}_run_state__{run}_run_id_timestamp", f"{run}_run_id", "timestamp"),
    ]


flow = _stored_object(
    "flow",
    sa.Column("name", sa.String, nullable=False, unique=True),
    sa.Column("tags", JSONValue, nullable=False),
    sa.Column("labels", JSONValue),
)

flow_run = _stored_object(
    "flow_run",
    sa.Column("name", sa.String, nullable=False),
    sa.Column("flow_id", sa.Uuid, sa.ForeignKey("flow.id", ondelete="CASCADE"), nullable=False),
    sa.Column("deployment_id", sa.Uuid),
    sa.Column("deployment_version", sa.String),
    sa.Column("work_queue_id", sa.Uuid),
    sa.Column("work_queue_name", sa.String),
    sa.Column("work_pool_id", sa.Uuid),
    sa.Column("work_pool_name", sa.String),
    sa.Column("parent_task_run_id", sa.Uuid, index=True),
    sa.Column("created_by", JSONValue),
    sa.Column("flow_version", sa.String),
    sa.Column("parameters", JSONValue, nullable=False),
    sa.Column("idempotency_key", sa.String),
    sa.Column("context", JSONValue, nullable=False),
    sa.Column("empirical_policy", JSONValue, nullable=False),
    sa.Column("tags", JSONValue, nullable=False),
    sa.Column("labels", JSONValue),
    sa.Column("job_variables", JSONValue),
    sa.Column("infrastructure_document_id", sa.Uuid),
    sa.Column("infrastructure_pid", sa.String),
    sa.Column("auto_scheduled", sa.Boolean, nullable=False, server_default=sa.false()),
    *_run_columns(),
    sa.UniqueConstraint("flow_id", "idempotency_key", name="uq_flow_run__flow_id_idempotency_key"),
    sa.Index("ix_flow_run__expected_start_time", "expected_start_time"),
    sa.Index("ix_flow_run__deployment_id_next_scheduled_start_time", "deployment_id", "next_scheduled_start_time"),
    sa.Index("ix_flow_run__work_queue_id_next_scheduled_start_time", "work_queue_id", "next_scheduled_start_time"),
)

flow_run_state = _stored_object("flow_run_state", *_state_columns("flow"))

task_run = _stored_object(
    "task_run",
    sa.Column("name", sa.String, nullable=False),
    sa.Column("flow_run_id", sa.Uuid, sa.ForeignKey("flow_run.id", ondelete="CASCADE")),
    sa.Column("task_key", sa.String, nullable=False),
    sa.Column("dynamic_key", sa.String, nullable=False),
    sa.Column("cache_key", sa.String),
    sa.Column("cache_expiration", UTCDateTime),
    sa.Column("task_version", sa.String),
    sa.Column("empirical_policy", JSONValue, nullable=False),
    sa.Column("tags", JSONValue, nullable=False),
    sa.Column("labels", JSONValue),
    sa.Column("task_inputs", JSONValue, nullable=False),
    sa.Column("flow_run_run_count", sa.Integer, nullable=False, server_default="0"),
    *_run_columns(),
    # NULLs are distinct in a unique index: task runs without a flow run are never duplicates.
    sa.UniqueConstraint("flow_run_id", "task_key", "dynamic_key", name="uq_task_run__flow_run_id_task_key_dynamic_key"),
)

task_run_state = _stored_object("task_run_state", *_state_columns("task"))

log = _stored_object(
    "log",
    sa.Column("name", sa.String, nullable=False),
    sa.Column("level", sa.SmallInteger, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("timestamp", UTCDateTime, nullable=False),
    sa.Column("flow_run_id", sa.Uuid),
    sa.Column("task_run_id", sa.Uuid),
    sa.Index("ix_log__flow_run_id_timestamp", "flow_run_id", "timestamp"),
    sa.Index("ix_log__timestamp", "timestamp"),
)

variable = _stored_object(
    "variable",
    sa.Column("name", sa.String, nullable=False, unique=True),
    sa.Column("value", JSONValue),
    sa.Column("tags", JSONValue, nullable=False),
)

flow_run_input = _stored_object(
    "flow_run_input",
    sa.Column("flow_run_id", sa.Uuid, sa.ForeignKey("flow_run.id", ondelete="CASCADE"), nullable=False),
    sa.Column("key", sa.String, nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("sender", sa.String),
    sa.UniqueConstraint("flow_run_id", "key", name="uq_flow_run_input__flow_run_id_key"),
)

deployment = _stored_object(
    "deployment",
    sa.Column("name", sa.String, nullable=False),
    sa.Column("flow_id", sa.Uuid, sa.ForeignKey("flow.id", ondelete="CASCADE"), nullable=False),
    sa.Column("version", sa.String),
    sa.Column("description", sa.Text),
    sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("status", sa.String, nullable=False, server_default="NOT_READY"),
    sa.Column("last_polled", UTCDateTime),
    sa.Column("concurrency_limit", sa.Integer),
    sa.Column("concurrency_options", JSONValue),
    sa.Column("parameters", JSONValue, nullable=False),
    sa.Column("parameter_openapi_schema", JSONValue),
    sa.Column("enforce_parameter_schema", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("tags", JSONValue, nullable=False),
    sa.Column("labels", JSONValue),
    sa.Column("work_queue_name", sa.String),
    sa.Column("work_pool_name", sa.String),
    sa.Column("work_queue_id", sa.Uuid),
    sa.Column("path", sa.String),
    sa.Column("entrypoint", sa.String),
    sa.Column("pull_steps", JSONValue),
    sa.Column("job_variables", JSONValue, nullable=False),
    sa.Column("storage_document_id", sa.Uuid),
    sa.Column("infrastructure_document_id", sa.Uuid),
    sa.Column("created_by", JSONValue),
    sa.Column("updated_by", JSONValue),
    sa.UniqueConstraint("flow_id", "name", name="uq_deployment__flow_id_name"),
)

deployment_schedule = _stored_object(
    "deployment_schedule",
    sa.Column("deployment_id", sa.Uuid, sa.ForeignKey("deployment.id", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.Column("schedule", JSONValue, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("max_scheduled_runs", sa.Integer),
    sa.Column("parameters", JSONValue, nullable=False),
    sa.Column("slug", sa.String),
    sa.UniqueConstraint("deployment_id", "slug", name="uq_deployment_schedule__deployment_id_slug"),
)

# Statuses are derived on read (see `models.workers`); `default_queue_id` has no foreign key because
# the pool and its default queue refer to each other.
work_pool = _stored_object(
    "work_pool",
    sa.Column("name", sa.String, nullable=False, unique=True),
    sa.Column("description", sa.Text),
    sa.Column("type", sa.String, nullable=False),
    sa.Column("base_job_template", JSONValue, nullable=False),
    sa.Column("is_paused", sa.Boolean, nullable=False),
    sa.Column("concurrency_limit", sa.Integer),
    sa.Column("default_queue_id", sa.Uuid),
    sa.Column("storage_configuration", JSONValue, nullable=False),
)

work_queue = _stored_object(
    "work_queue",
    sa.Column("work_pool_id", sa.Uuid, sa.ForeignKey("work_pool.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("is_paused", sa.Boolean, nullable=False),
    sa.Column("concurrency_limit", sa.Integer),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("last_polled", UTCDateTime),
    sa.UniqueConstraint("work_pool_id", "name", name="uq_work_queue__work_pool_id_name"),
)

worker = _stored_object(
    "worker",
    sa.Column("work_pool_id", sa.Uuid, sa.ForeignKey("work_pool.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("last_heartbeat_time", UTCDateTime, nullable=False),
    sa.Column("heartbeat_interval_seconds", sa.Integer),
    sa.UniqueConstraint("work_pool_id", "name", name="uq_worker__work_pool_id_name"),
)

csrf_token = _stored_object(
    "csrf_token",
    sa.Column("token", sa.String, nullable=False),
    sa.Column("client", sa.String, nullable=False, unique=True),
    sa.Column("expiration", UTCDateTime, nullable=False),
)



def _artifact_columns() -> list[sa.Column]:
    """What an artifact and the latest version of a keyed artifact both hold."""
    return [
        sa.Column("type", sa.String),
        sa.Column("description", sa.Text),
        sa.Column("data", JSONValue),
        sa.Column("metadata_", JSONValue),
        sa.Column("flow_run_id", sa.Uuid, index=True),
        sa.Column("task_run_id", sa.Uuid, index=True),
    ]


# Artifacts outlive their runs, as in Prefect: no foreign keys to flow or task runs.
artifact = _stored_object(
    "artifact",
    sa.Column("key", sa.String, index=True),
    *_artifact_columns(),
)

artifact_collection = _stored_object(
    "artifact_collection",
    sa.Column("key", sa.String, nullable=False, unique=True),
    sa.Column("latest_id", sa.Uuid, nullable=False),
    *_artifact_columns(),
)

# A global (v2) concurrency limit; v1 tag limits are the ones named "tag:<tag>".
concurrency_limit_v2 = _stored_object(
    "concurrency_limit_v2",
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("name", sa.String, nullable=False, unique=True),
    sa.Column("limit", sa.Integer, nullable=False),
    sa.Column("active_slots", sa.Integer, nullable=False),
    sa.Column("denied_slots", sa.Integer, nullable=False),
    sa.Column("slot_decay_per_second", sa.Float, nullable=False),
    sa.Column("avg_slot_occupancy_seconds", sa.Float, nullable=False),
)

# Slots taken with a lease: given back on release, or by the lease reclaimer once it expires.
# `limit_ids` is a JSON array of the limits' ids (text), searched like tags.
concurrency_lease = _stored_object(
    "concurrency_lease",
    sa.Column("expiration", UTCDateTime, nullable=False, index=True),
    sa.Column("limit_ids", JSONValue, nullable=False),
    sa.Column("slots", sa.Integer, nullable=False),
    sa.Column("holder", JSONValue),
)

# Events clients emitted, kept for `events_retention_period`. `related_ids` lists the related
# resources' ids (searched like tags) for the `related` and `any_resource` filters.
event = sa.Table(
    "event", metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("occurred", UTCDateTime, nullable=False, index=True),
    sa.Column("received", UTCDateTime, nullable=False),
    sa.Column("event", sa.String, nullable=False, index=True),
    sa.Column("resource_id", sa.String, nullable=False, index=True),
    sa.Column("resource", JSONValue, nullable=False),
    sa.Column("related", JSONValue, nullable=False),
    sa.Column("related_ids", JSONValue, nullable=False),
    sa.Column("payload", JSONValue, nullable=False),
    sa.Column("follows", sa.Uuid),
)

# Automations are stored as sent (trigger and actions as JSON documents); this server does not run them.
automation = _stored_object(
    "automation",
    sa.Column("name", sa.String, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("tags", JSONValue, nullable=False),
    sa.Column("trigger", JSONValue, nullable=False),
    sa.Column("actions", JSONValue, nullable=False),
    sa.Column("actions_on_trigger", JSONValue, nullable=False),
    sa.Column("actions_on_resolve", JSONValue, nullable=False),
    sa.Column("owner_resource", sa.String, index=True),
)

# Blocks. A schema's `fields` are stored as the client sent them (nested blocks' schemas included
# under `definitions`), so reads return them unchanged; nested documents are rows of
# `block_document_reference`, put back into the parent's data on read.
block_type = _stored_object(
    "block_type",
    sa.Column("name", sa.String, nullable=False, unique=True),
    sa.Column("slug", sa.String, nullable=False, unique=True),
    sa.Column("logo_url", sa.String),
    sa.Column("documentation_url", sa.String),
    sa.Column("description", sa.Text),
    sa.Column("code_example", sa.Text),
)

block_schema = _stored_object(
    "block_schema",
    sa.Column("checksum", sa.String, nullable=False),
    sa.Column("fields", JSONValue, nullable=False),
    sa.Column("capabilities", JSONValue, nullable=False),
    sa.Column("version", sa.String, nullable=False),
    sa.Column("block_type_id", sa.Uuid, sa.ForeignKey("block_type.id", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.UniqueConstraint("checksum", "version", name="uq_block_schema__checksum_version"),
)

block_document = _stored_object(
    "block_document",
    sa.Column("name", sa.String, nullable=False),
    sa.Column("data", JSONValue, nullable=False),
    sa.Column("is_anonymous", sa.Boolean, nullable=False),
    sa.Column("block_type_name", sa.String),
    sa.Column("block_type_id", sa.Uuid, sa.ForeignKey("block_type.id", ondelete="CASCADE"), nullable=False),
    sa.Column("block_schema_id", sa.Uuid, sa.ForeignKey("block_schema.id", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.UniqueConstraint("block_type_id", "name", name="uq_block_document__block_type_id_name"),
)

block_document_reference = _stored_object(
    "block_document_reference",
    sa.Column("name", sa.String, nullable=False),
    sa.Column("parent_block_document_id", sa.Uuid, sa.ForeignKey("block_document.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("reference_block_document_id", sa.Uuid, sa.ForeignKey("block_document.id", ondelete="CASCADE"),
              nullable=False, index=True),
)

saved_search = _stored_object(
    "saved_search",
    sa.Column("name", sa.String, nullable=False, unique=True),
    sa.Column("filters", JSONValue, nullable=False),
)

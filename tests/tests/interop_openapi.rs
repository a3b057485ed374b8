//! Placeholder: written by the OpenAPI task.

//! Snapshot tests of the views.

//! Tests of the tree view model.

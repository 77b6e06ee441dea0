//! Image references (`nginx`, `ghcr.io/org/app:1.2`, `name@sha256:…`), with Docker Hub's rules.

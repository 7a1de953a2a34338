//! End-to-end tests over real HTTP against a started sandbox.

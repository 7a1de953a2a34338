//! End-to-end checks over real HTTP (reqwest) against a started sandbox.
